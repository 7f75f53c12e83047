export { startCollector, type CollectorDeps, type RunningCollector } from './server.js';
export { startKafkaCollector } from './kafka-collector.js';
export {
  collectorConfigFromEnv,
  COLLECTOR_ENV,
  COLLECTOR_ENV_TABLE,
  type CollectorConfig,
} from './config.js';
export { PublishError, type EventPublisher, type PublishItem } from './event-publisher.js';
export { KafkaEventPublisher } from './kafka-publisher.js';
export { hashApiKey } from './api-keys.js';
export { createCollectorMetrics, type CollectorMetrics } from './collector-metrics.js';
