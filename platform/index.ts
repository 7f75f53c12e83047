export {
  ConfigError,
  envBool,
  envInt,
  envListen,
  envReference,
  envString,
  parseListen,
  type EnvVarSpec,
  type ListenAddress,
} from './env-config.js';
export {
  createLogger,
  LOG_FORMAT_ENV,
  LOG_LEVEL_ENV,
  logFormatFromEnv,
  silentLogger,
  type Logger,
} from './log.js';
export { Counter, Gauge, Histogram, MetricsRegistry } from './metrics.js';
export {
  createKafka,
  createRecordProducer,
  DEAD_LETTER_HEADERS,
  decodeJsonRecord,
  ensureTopics,
  KAFKA_ENV,
  kafkaSettingsFromEnv,
  parseProducerClient,
  pipelineTopicSpecs,
  readDeadLetter,
  startBatchConsumer,
  whenConsumerGivesUp,
  type Accepted,
  type BatchConsumerMetrics,
  type BatchHandler,
  type ConsumedRecord,
  type DeadLetter,
  type Decoded,
  type OutgoingRecord,
  type ProducerClient,
  type RecordProducer,
  type Refused,
  type RunningBatchConsumer,
  type KafkaSettings,
  type OtlpTenancy,
  type OtlpTopicSettings,
  type TopicSettings,
  type TopicSpec,
  type WriteContext,
} from './kafka/index.js';
export { serviceLifetime } from './service-lifetime.js';
export { serveMetrics, startMetricsServer } from './metrics-server.js';
export { listenHttp, type ListeningServer } from './http-listen.js';
export { formatDuration, roundMs } from './duration-format.js';
