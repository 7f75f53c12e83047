import { envInt, envList, envString, type EnvVarSpec } from '../env-config.js';
import { topicNames, type TopicNames } from '../../model/index.js';

/** Where Kafka is and how the topics mcptap creates are made, from the environment. */

/** Read by name; KAFKA_ENV lists them in this order for `--help` and the docs. */
const KAFKA_ENV_BY_NAME = {
  brokers: {
    name: 'MCPTAP_KAFKA_BROKERS',
    default: '127.0.0.1:19092',
    description: 'comma-separated Kafka bootstrap brokers',
  },
  prefix: {
    name: 'MCPTAP_TOPIC_PREFIX',
    default: 'mcptap',
    description: 'prefix of every topic name (`<prefix>.events.v1`, …)',
  },
  clientId: { name: 'MCPTAP_KAFKA_CLIENT_ID', default: 'mcptap', description: 'Kafka client id' },
  partitions: {
    name: 'MCPTAP_TOPIC_PARTITIONS',
    default: '6',
    description: 'partitions of the topics mcptap creates when missing (every service creates the same)',
  },
  replication: {
    name: 'MCPTAP_TOPIC_REPLICATION',
    default: '1',
    description: 'replication factor of the topics mcptap creates (3 on a production cluster)',
  },
  retentionMs: {
    name: 'MCPTAP_TOPIC_RETENTION_MS',
    default: '604800000',
    description: 'retention.ms of the topics mcptap creates, but the compacted detector state (-1: forever)',
  },
  maxMessageBytes: {
    name: 'MCPTAP_TOPIC_MAX_MESSAGE_BYTES',
    default: '1048576',
    description: 'max.message.bytes of the topics mcptap creates',
  },
} satisfies Record<string, EnvVarSpec>;

export const KAFKA_ENV: readonly EnvVarSpec[] = Object.values(KAFKA_ENV_BY_NAME);

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
  const { brokers, prefix, clientId, partitions, replication, retentionMs, maxMessageBytes } =
    KAFKA_ENV_BY_NAME;
  return {
    brokers: envList(env, brokers),
    clientId: envString(env, clientId),
    topics: topicNames(envString(env, prefix)),
    topicSettings: {
      partitions: envInt(env, partitions, 1, 10_000),
      replicationFactor: envInt(env, replication, 1, 32),
      retentionMs: envInt(env, retentionMs, -1),
      maxMessageBytes: envInt(env, maxMessageBytes, 1024),
    },
  };
}
