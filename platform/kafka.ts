import { Kafka, logLevel, type ITopicConfig, type KafkaConfig, type LogEntry } from 'kafkajs';
import { envList, envString, type EnvVarSpec } from './env-config.js';
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
];

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topics: TopicNames;
}

export function kafkaSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): KafkaSettings {
  const [brokers, prefix, clientId] = KAFKA_ENV as [EnvVarSpec, EnvVarSpec, EnvVarSpec];
  return {
    brokers: envList(env, brokers),
    clientId: envString(env, clientId),
    topics: topicNames(envString(env, prefix)),
  };
}

function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
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
