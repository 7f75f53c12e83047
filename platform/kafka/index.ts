export * from './kafka-config.js';
export * from './pipeline-topics.js';
export * from './kafkajs-client.js';
export * from './record-producer.js';
export {
  startBatchConsumer,
  type Accepted,
  type BatchConsumerMetrics,
  type BatchConsumerOptions,
  type BatchHandler,
  type Decoded,
  type Refused,
  type RunningBatchConsumer,
  type WriteContext,
} from './batch-consumer.js';
export type { Retried, RetryOptions } from './write-retry.js';
export { DEAD_LETTER_HEADERS, readDeadLetter, type ConsumedRecord, type DeadLetter } from './dead-letter.js';
export { decodeJsonRecord } from './json-record.js';
