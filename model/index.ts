export * from './events.js';
export * from './alert.js';
export * from './capped-content.js';
export * from './canonical-json.js';
export * from './server-identity.js';
export * from './span-codec.js';
export * from './topics.js';
