import { ConfigError, envBool, envInt, envList, envString, type EnvVarSpec } from '../env-config.js';
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
  otlpTopic: {
    name: 'MCPTAP_OTLP_TOPIC',
    default: '',
    description:
      "topic of OTLP ExportTraceServiceRequest protobuf records that the detectors and the sink consume besides the events (the OpenTelemetry Collector's kafka exporter with encoding otlp_proto; its default topic is otlp_spans); empty: none",
  },
  otlpTenant: {
    name: 'MCPTAP_OTLP_TENANT',
    default: '',
    description:
      'tenant of the spans on MCPTAP_OTLP_TOPIC whose resource has no MCPTAP_OTLP_TENANT_ATTRIBUTE; empty: such spans are rejected',
  },
  otlpTenantHeader: {
    name: 'MCPTAP_OTLP_TENANT_HEADER',
    default: 'false',
    description:
      "take the tenant of a record on MCPTAP_OTLP_TOPIC from its mcptap-tenant header, which mcptap's collector sets to the API key's tenant (MCPTAP_COLLECTOR_FORWARD_OTLP); only where nothing else writes the topic",
  },
  otlpTenantAttribute: {
    name: 'MCPTAP_OTLP_TENANT_ATTRIBUTE',
    default: '',
    description:
      'resource attribute naming the tenant of spans on MCPTAP_OTLP_TOPIC (set by the collector in front, e.g. its resource processor); empty: MCPTAP_OTLP_TENANT for all',
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

/**
 * Where the tenant of a span read from the OTLP topic comes from: records written by another
 * collector carry no mcptap API key, so the operator names it, for all spans or by a resource
 * attribute that the collector in front sets.
 */
export interface OtlpTenancy {
  /** The record's `mcptap-tenant` header names it (records of mcptap's collector); tried first. */
  recordHeader: boolean;
  /** Resource attribute holding the tenant; null: none. */
  resourceAttribute: string | null;
  /** Tenant of spans whose resource does not name one; null: they are rejected. */
  defaultTenant: string | null;
}

export interface OtlpTopicSettings {
  topic: string;
  tenancy: OtlpTenancy;
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topics: TopicNames;
  topicSettings: TopicSettings;
  /** The OTLP protobuf topic the consumers read besides the events; null: none. */
  otlpInput: OtlpTopicSettings | null;
}

type Env = Readonly<Record<string, string | undefined>>;

function otlpInputFromEnv(env: Env): OtlpTopicSettings | null {
  const { otlpTopic, otlpTenant, otlpTenantAttribute, otlpTenantHeader } = KAFKA_ENV_BY_NAME;
  const topic = envString(env, otlpTopic);
  if (topic === '') return null;
  const recordHeader = envBool(env, otlpTenantHeader);
  const resourceAttribute = envString(env, otlpTenantAttribute);
  const defaultTenant = envString(env, otlpTenant);
  if (!recordHeader && resourceAttribute === '' && defaultTenant === '')
    throw new ConfigError(
      `${otlpTopic.name}=${topic} needs a tenant for its spans: set ${otlpTenantHeader.name}=true, ${otlpTenant.name} or ${otlpTenantAttribute.name}`,
    );
  return {
    topic,
    tenancy: {
      recordHeader,
      resourceAttribute: resourceAttribute === '' ? null : resourceAttribute,
      defaultTenant: defaultTenant === '' ? null : defaultTenant,
    },
  };
}

export function kafkaSettingsFromEnv(env: Env = process.env): KafkaSettings {
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
    otlpInput: otlpInputFromEnv(env),
  };
}
