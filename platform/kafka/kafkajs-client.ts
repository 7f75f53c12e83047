import { Kafka, logLevel, type Batch, type Consumer, type KafkaConfig, type LogEntry } from 'kafkajs';
import { createLogger, type Logger } from '../log.js';
import type { KafkaSettings } from './kafka-config.js';

/**
 * The kafkajs client every component shares (admin, consumers, the kafkajs producer): connection
 * settings and logging, and how a consumer that gave up is noticed.
 */

/**
 * kafkajs warnings that every start prints and that say nothing about this run: the v2 partitioner
 * notice (we key with its default, Java's murmur2, on purpose) and the idempotent producer's notice
 * about bounded retries (a write that keeps failing is retried by our callers, not forever inside).
 */
const STARTUP_NOTICES = ['switched default partitioner', 'Limiting retries for the idempotent producer'];

function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      if (level === logLevel.WARN && STARTUP_NOTICES.some((notice) => String(message).includes(notice)))
        return;
      const text = `kafka: ${String(message)}`;
      if (level === logLevel.ERROR) logger.error(text, { broker: fields.broker, error: fields.error });
      else if (level === logLevel.WARN) logger.warn(text, { broker: fields.broker, error: fields.error });
    };
}

export function createKafka(
  settings: Pick<KafkaSettings, 'brokers' | 'clientId'>,
  options: { logger?: Logger; retries?: number; connectionTimeoutMs?: number } = {},
): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger ?? createLogger('kafka')),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    retry: { retries: options.retries ?? 5, initialRetryTime: 200, maxRetryTime: 5000 },
  };
  return new Kafka(config);
}

/**
 * kafkajs gives up on a consumer after a crash it does not count as retriable, and the process
 * would go on running without consuming anything. `onStopped` hears of it, so that the service can
 * exit and be restarted by its supervisor.
 */
export function whenConsumerGivesUp(
  consumer: Consumer,
  logger: Logger,
  onStopped: (error: Error) => void,
): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    logger.error(
      'the Kafka consumer stopped after an error it cannot retry; exiting so that it is restarted',
      {
        error: payload.error.message,
        group: payload.groupId,
      },
    );
    onStopped(payload.error);
  });
}

/** Records still behind a partition's end once a fetched batch is processed (0 when caught up). */
export function lagAfterBatch(batch: Batch): number {
  const last = batch.messages.at(-1)?.offset;
  if (last === undefined) return 0;
  return Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(last) - 1n));
}
