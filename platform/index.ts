export * from './env-config.js';
export * from './log.js';
export * from './metrics.js';
export * from './kafka/index.js';
export * from './service-lifetime.js';
export * from './metrics-server.js';
export { listenHttp, type ListeningServer } from './http-listen.js';
export * from './duration-format.js';
