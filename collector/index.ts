export { startCollector, type RunningCollector } from './http-receiver.js';
export { startKafkaCollector } from './kafka-collector.js';
export {
  collectorConfigFromEnv,
  receiverConfigFromEnv,
  COLLECTOR_ENV,
  COLLECTOR_ENV_TABLE,
  type ReceiverConfig,
} from './config.js';
export { PublishError, type EventPublisher, type PublishItem } from './event-publisher.js';
export { apiKeyEntry, hashApiKey } from './api-keys.js';
export { main as collectorMain } from './cli.js';
