export {
  KAFKA_ENV,
  kafkaSettingsFromEnv,
  type KafkaSettings,
  type OtlpTenancy,
  type OtlpTopicSettings,
  type TopicSettings,
} from './kafka-config.js';
export { ensureTopics, pipelineTopicSpecs, type TopicSpec } from './pipeline-topics.js';
export { createKafka, whenConsumerGivesUp } from './kafkajs-client.js';
export {
  createRecordProducer,
  parseProducerClient,
  type OutgoingRecord,
  type ProducerClient,
  type RecordProducer,
} from './record-producer.js';
export {
  startBatchConsumer,
  type Accepted,
  type BatchConsumerMetrics,
  type BatchHandler,
  type Decoded,
  type Refused,
  type RunningBatchConsumer,
  type WriteContext,
} from './batch-consumer.js';
export { DEAD_LETTER_HEADERS, readDeadLetter, type ConsumedRecord, type DeadLetter } from './dead-letter.js';
export { decodeJsonRecord } from './json-record.js';
