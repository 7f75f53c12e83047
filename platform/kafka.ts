import {
  Kafka,
  logLevel,
  type Batch,
  type Consumer,
  type ITopicConfig,
  type KafkaConfig,
  type LogEntry,
} from 'kafkajs';
import { envInt, envList, envString, type EnvVarSpec } from './env-config.js';
import { createLogger, type Logger } from './log.js';
import { topicNames, type TopicNames } from '../model/index.js';

/**
 * The one place that knows which Kafka client we use (kafkajs): connection settings, topic
 * creation, and the producer/consumer options every component shares.
 */

export const KAFKA_ENV: readonly EnvVarSpec[] = [
  {
    name: 'MCPTAP_KAFKA_BROKERS',
    default: '127.0.0.1:19092',
    description: 'comma-separated Kafka bootstrap brokers',
  },
  {
    name: 'MCPTAP_TOPIC_PREFIX',
    default: 'mcptap',
    description: 'prefix of every topic name (`<prefix>.events.v1`, …)',
  },
  { name: 'MCPTAP_KAFKA_CLIENT_ID', default: 'mcptap', description: 'Kafka client id' },
  {
    name: 'MCPTAP_TOPIC_PARTITIONS',
    default: '6',
    description: 'partitions of the topics mcptap creates when missing (every service creates the same)',
  },
  {
    name: 'MCPTAP_TOPIC_REPLICATION',
    default: '1',
    description: 'replication factor of the topics mcptap creates (3 on a production cluster)',
  },
  {
    name: 'MCPTAP_TOPIC_RETENTION_MS',
    default: '604800000',
    description: 'retention.ms of the topics mcptap creates, but the compacted detector state (-1: forever)',
  },
  {
    name: 'MCPTAP_TOPIC_MAX_MESSAGE_BYTES',
    default: '1048576',
    description: 'max.message.bytes of the topics mcptap creates',
  },
];

/** How the topics are made when a service finds them missing; the same in every service. */
export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
  /** -1 keeps forever. */
  retentionMs: number;
  maxMessageBytes: number;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topics: TopicNames;
  topicSettings: TopicSettings;
}

export function kafkaSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): KafkaSettings {
  const [brokers, prefix, clientId, partitions, replication, retention, maxMessageBytes] = KAFKA_ENV as [
    EnvVarSpec,
    EnvVarSpec,
    EnvVarSpec,
    EnvVarSpec,
    EnvVarSpec,
    EnvVarSpec,
    EnvVarSpec,
  ];
  return {
    brokers: envList(env, brokers),
    clientId: envString(env, clientId),
    topics: topicNames(envString(env, prefix)),
    topicSettings: {
      partitions: envInt(env, partitions, 1, 10_000),
      replicationFactor: envInt(env, replication, 1, 32),
      retentionMs: envInt(env, retention, -1),
      maxMessageBytes: envInt(env, maxMessageBytes, 1024),
    },
  };
}

/**
 * Every topic of the pipeline and how it is made. Each service ensures all of them before it
 * produces or subscribes, so that whichever service starts first creates them the same way (they
 * used to get 3 or 6 partitions depending on whether the sink or the collector came up first).
 */
export function pipelineTopicSpecs(
  topics: TopicNames,
  settings: TopicSettings,
  options: { rawSpans?: boolean } = {},
): TopicSpec[] {
  const { partitions, replicationFactor, retentionMs, maxMessageBytes } = settings;
  const retained = (topic: string, topicPartitions = partitions): TopicSpec => ({
    topic,
    partitions: topicPartitions,
    replicationFactor,
    retentionMs,
    maxMessageBytes,
  });
  return [
    retained(topics.events),
    retained(topics.catalog),
    retained(topics.prompts),
    ...(options.rawSpans ? [retained(topics.rawSpans)] : []),
    retained(topics.alerts),
    retained(topics.alertsOcsf),
    retained(topics.deadLetter, 1),
    { topic: topics.detectorState, partitions, replicationFactor, maxMessageBytes, compacted: true },
  ];
}

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

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Retention in ms; -1 keeps forever. */
  retentionMs?: number;
  compacted?: boolean;
  maxMessageBytes?: number;
  /** 1 on a single local broker; 3 on a production cluster. */
  replicationFactor?: number;
}

/** Creates the topics that do not exist yet; existing topics are left as they are. */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = specs
      .filter((spec) => !existing.has(spec.topic))
      .map((spec) => {
        const configEntries = [];
        if (spec.retentionMs !== undefined)
          configEntries.push({ name: 'retention.ms', value: String(spec.retentionMs) });
        if (spec.compacted) configEntries.push({ name: 'cleanup.policy', value: 'compact' });
        if (spec.maxMessageBytes !== undefined)
          configEntries.push({ name: 'max.message.bytes', value: String(spec.maxMessageBytes) });
        return {
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor ?? 1,
          configEntries,
        };
      });
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
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
