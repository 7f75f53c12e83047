import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { TopicNames } from '../model/index.js';
import {
  ConfigError,
  envBool,
  envInt,
  envString,
  KAFKA_ENV,
  kafkaSettingsFromEnv,
  parseListen,
  parseProducerClient,
  type EnvVarSpec,
  type KafkaSettings,
  type ListenAddress,
  type ProducerClient,
  type TopicSettings,
} from '../platform/index.js';
import { DEFAULT_CONTENT_CAPS, DEFAULT_MAX_RECORD_BYTES, type ContentCaps } from '../otlp/index.js';
import { SECRETS_UNMASKED_ENV } from '../secrets/index.js';
import { parseApiKeyEntries, type ApiKeyEntry } from './api-keys.js';
import type { RateLimit } from './rate-limiter.js';
import { RECORD_OVERHEAD_BYTES } from './record-batches.js';
import { errorMessage } from '../model/index.js';

/** Every knob of the collector, read once at start-up. */
export const COLLECTOR_ENV = {
  listen: {
    name: 'MCPTAP_COLLECTOR_LISTEN',
    default: '127.0.0.1:4318',
    description: 'host:port of the OTLP/HTTP receiver (POST /v1/traces) and of /healthz, /readyz, /metrics',
  },
  apiKeys: {
    name: 'MCPTAP_COLLECTOR_API_KEYS',
    default: '',
    description:
      "accepted API keys as 'tenant:sha256hex' entries, comma-separated (hash a key with `mcptap collector hash-key`)",
  },
  apiKeysFile: {
    name: 'MCPTAP_COLLECTOR_API_KEYS_FILE',
    default: '',
    description:
      "file of 'tenant:sha256hex' lines (# comments), read at start-up, in addition to MCPTAP_COLLECTOR_API_KEYS",
  },
  maxBodyBytes: {
    name: 'MCPTAP_COLLECTOR_MAX_BODY_BYTES',
    default: '8388608',
    description: 'largest request body, as received and after gzip inflation (413 beyond)',
  },
  contentCapBytes: {
    name: 'MCPTAP_COLLECTOR_CONTENT_CAP_BYTES',
    default: String(DEFAULT_CONTENT_CAPS.contentBytes),
    description:
      'cap of a content field (tool arguments and results, text) in UTF-8 bytes; longer content is cut, its size and SHA-256 kept',
  },
  catalogCapBytes: {
    name: 'MCPTAP_COLLECTOR_CATALOG_CAP_BYTES',
    default: String(DEFAULT_CONTENT_CAPS.catalogBytes),
    description: "cap of a catalog snapshot's items",
  },
  promptCapBytes: {
    name: 'MCPTAP_COLLECTOR_PROMPT_CAP_BYTES',
    default: String(DEFAULT_CONTENT_CAPS.promptBytes),
    description: "cap of a prompt log's messages",
  },
  maxRecordBytes: {
    name: 'MCPTAP_COLLECTOR_MAX_RECORD_BYTES',
    default: String(DEFAULT_MAX_RECORD_BYTES),
    description: 'largest Kafka record (one event as JSON); a bigger event is rejected in partialSuccess',
  },
  kafkaRequestBytes: {
    name: 'MCPTAP_COLLECTOR_KAFKA_REQUEST_BYTES',
    default: '1000000',
    description: "byte budget of one produce request; must stay under the topics' max.message.bytes",
  },
  rateLimit: {
    name: 'MCPTAP_COLLECTOR_RATE_LIMIT_SPANS',
    default: '20000',
    description: 'sustained spans per second per API key (0: no limit); 429 + Retry-After beyond',
  },
  rateBurst: {
    name: 'MCPTAP_COLLECTOR_RATE_BURST_SPANS',
    default: '40000',
    description: 'token-bucket size per API key, in spans',
  },
  maxConcurrentRequests: {
    name: 'MCPTAP_COLLECTOR_MAX_CONCURRENT_REQUESTS',
    default: '8',
    description:
      'requests being read, decoded or awaiting Kafka at once (all workers together); 503 + Retry-After beyond. Production is serial per producer, so more only adds memory and latency (under 10× overload 16 peaked at 335 MB, 8 at 281–319 MB: bench/RESULTS.md)',
  },
  maxInFlightBytes: {
    name: 'MCPTAP_COLLECTOR_MAX_INFLIGHT_BYTES',
    default: '33554432',
    description:
      'bytes of bodies and records held at once (all workers together; decoded spans take about as much again); 503 + Retry-After beyond',
  },
  publishTimeoutMs: {
    name: 'MCPTAP_COLLECTOR_PUBLISH_TIMEOUT_MS',
    default: '8000',
    description: 'how long a request waits for Kafka acknowledgement before it is answered 503',
  },
  retryAfterSeconds: {
    name: 'MCPTAP_COLLECTOR_RETRY_AFTER_S',
    default: '5',
    description: 'Retry-After of 503 answers (Kafka unreachable, collector overloaded)',
  },
  readyTtlMs: {
    name: 'MCPTAP_COLLECTOR_READY_TTL_MS',
    default: '10000',
    description:
      'a produce or probe this recent proves Kafka reachable (/readyz); probed at a third of it when idle',
  },
  forwardRawSpans: {
    name: 'MCPTAP_COLLECTOR_FORWARD_RAW_SPANS',
    default: 'false',
    description:
      'spans of other instrumentations go to the raw-spans topic (true) or are counted and dropped (false)',
  },
  forwardOtlp: {
    name: 'MCPTAP_COLLECTOR_FORWARD_OTLP',
    default: 'false',
    description:
      'protobuf requests go to MCPTAP_OTLP_TOPIC as OTLP records, keyed by session, without building events (ids checked, secrets masked; the detectors and the sink decode them, with MCPTAP_OTLP_TENANT_HEADER=true); false: events to the events topics',
  },
  secretsUnmasked: SECRETS_UNMASKED_ENV,
  kafkaClient: {
    name: 'MCPTAP_COLLECTOR_KAFKA_CLIENT',
    default: 'platformatic',
    description:
      'Kafka client that produces the records: platformatic (@platformatic/kafka, about half the CPU per record) or kafkajs; both idempotent, acks=all, one request in flight (bench/RESULTS.md)',
  },
  workers: {
    name: 'MCPTAP_COLLECTOR_WORKERS',
    default: '1',
    description:
      "receiver processes sharing the listen port, each with its own producer ('auto': one per CPU core); the rate limit and in-flight limits are split between them",
  },
  shutdownGraceMs: {
    name: 'MCPTAP_COLLECTOR_SHUTDOWN_GRACE_MS',
    default: '15000',
    description: 'on SIGTERM/SIGINT, how long in-flight requests may take to finish',
  },
} satisfies Record<string, EnvVarSpec>;

/** The collector's variables and the Kafka connection variables it reads, for `--help` and the docs. */
export const COLLECTOR_ENV_TABLE: readonly EnvVarSpec[] = [...Object.values(COLLECTOR_ENV), ...KAFKA_ENV];

/** What the OTLP/HTTP receiver and its export pipeline read; nothing of where records go. */
export interface ReceiverConfig {
  host: string;
  port: number;
  apiKeys: ApiKeyEntry[];
  maxBodyBytes: number;
  caps: ContentCaps;
  maxRecordBytes: number;
  rateLimit: RateLimit;
  maxConcurrentRequests: number;
  maxInFlightBytes: number;
  publishTimeoutMs: number;
  retryAfterSeconds: number;
  forwardRawSpans: boolean;
  /** Protobuf requests are forwarded as OTLP records (otlp/otlp-forward.ts), not made into events. */
  forwardOtlp: boolean;
  /** Mask secrets in every record before it leaves the receiver (false: the operator opted in to raw). */
  maskSecrets: boolean;
  shutdownGraceMs: number;
}

/** What the Kafka publisher reads (kafka-publisher.ts, kafka-collector.ts). */
export interface KafkaPublisherConfig {
  client: ProducerClient;
  brokers: string[];
  clientId: string;
  topics: TopicNames;
  topicSettings: TopicSettings;
  /** Byte budget of one produce request. */
  requestBytes: number;
  /** Broker-side timeout of one produce request. */
  requestTimeoutMs: number;
  readyTtlMs: number;
  /** Whether the raw-spans topic is needed. */
  rawSpansTopic: boolean;
  /** The OTLP topic of the fast path; null when requests become events. */
  otlpTopic: string | null;
}

/** `mcptap collector`: the receiver, the Kafka publisher behind it, and how many processes run them. */
export interface CollectorConfig {
  /** The limits in it are already this process's share when it is a worker (workerShare). */
  receiver: ReceiverConfig;
  kafka: KafkaPublisherConfig;
  workers: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function readKeysFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${COLLECTOR_ENV.apiKeysFile.name}=${path}: cannot read it (${errorMessage(error)})`,
    );
  }
}

function parseWorkers(text: string): number {
  if (text.trim().toLowerCase() === 'auto') return availableParallelism();
  const workers = Number(text);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new ConfigError(
      `${COLLECTOR_ENV.workers.name}=${JSON.stringify(text)}: expected 'auto' or an integer from 1 to 256`,
    );
  }
  return workers;
}

/**
 * One worker's share of the limits that bound the whole collector: connections are spread evenly
 * over the workers, so each enforces its part.
 */
export function workerShare(config: CollectorConfig): CollectorConfig {
  const n = config.workers;
  if (n === 1) return config;
  const share = (value: number) => Math.max(1, Math.ceil(value / n));
  const r = config.receiver;
  return {
    ...config,
    receiver: {
      ...r,
      rateLimit: {
        spansPerSecond: r.rateLimit.spansPerSecond === 0 ? 0 : share(r.rateLimit.spansPerSecond),
        burst: share(r.rateLimit.burst),
      },
      maxConcurrentRequests: share(r.maxConcurrentRequests),
      maxInFlightBytes: Math.max(r.maxBodyBytes, share(r.maxInFlightBytes)),
    },
  };
}

/**
 * The receiver's knobs from the environment. What is `given` (the embedded mode's own address and
 * key) replaces the variables; without given keys at least one must be configured.
 */
export function receiverConfigFromEnv(
  env: Env = process.env,
  given: { listen?: ListenAddress; apiKeys?: ApiKeyEntry[] } = {},
): ReceiverConfig {
  const e = COLLECTOR_ENV;
  const listen = given.listen ?? parseListen(envString(env, e.listen), e.listen.name);
  const apiKeys = given.apiKeys ?? apiKeysFromEnv(env);
  const maxRecordBytes = envInt(env, e.maxRecordBytes, 1024);
  return {
    host: listen.host,
    port: listen.port,
    apiKeys,
    maxBodyBytes: envInt(env, e.maxBodyBytes, 1024),
    caps: {
      contentBytes: envInt(env, e.contentCapBytes, 0, maxRecordBytes),
      catalogBytes: envInt(env, e.catalogCapBytes, 0, maxRecordBytes),
      promptBytes: envInt(env, e.promptCapBytes, 0, maxRecordBytes),
    },
    maxRecordBytes,
    rateLimit: { spansPerSecond: envInt(env, e.rateLimit), burst: envInt(env, e.rateBurst, 1) },
    maxConcurrentRequests: envInt(env, e.maxConcurrentRequests, 1),
    maxInFlightBytes: envInt(env, e.maxInFlightBytes, 1024),
    publishTimeoutMs: envInt(env, e.publishTimeoutMs, 100),
    retryAfterSeconds: envInt(env, e.retryAfterSeconds, 1, 3600),
    forwardRawSpans: envBool(env, e.forwardRawSpans),
    // The Kafka collector's alone (collectorConfigFromEnv): the embedded mode has no OTLP topic.
    forwardOtlp: false,
    maskSecrets: !envBool(env, e.secretsUnmasked),
    shutdownGraceMs: envInt(env, e.shutdownGraceMs, 0),
  };
}

function apiKeysFromEnv(env: Env): ApiKeyEntry[] {
  const e = COLLECTOR_ENV;
  const keysFile = envString(env, e.apiKeysFile);
  const apiKeys = [
    ...parseApiKeyEntries(envString(env, e.apiKeys), e.apiKeys.name),
    ...(keysFile === '' ? [] : parseApiKeyEntries(readKeysFile(keysFile), keysFile)),
  ];
  if (apiKeys.length === 0) {
    throw new ConfigError(
      `no API keys configured: set ${e.apiKeys.name}='tenant:sha256hex' or ${e.apiKeysFile.name}; ` +
        `'mcptap collector hash-key' prints the SHA-256 of a key`,
    );
  }
  return apiKeys;
}

/** The OTLP topic of the fast path, checked against what the consumers need to read it. */
function forwardedTopic(env: Env, kafka: KafkaSettings, forwardRawSpans: boolean): string | null {
  const e = COLLECTOR_ENV;
  if (!envBool(env, e.forwardOtlp)) return null;
  if (kafka.otlpInput === null || !kafka.otlpInput.tenancy.recordHeader)
    throw new ConfigError(
      `${e.forwardOtlp.name}=true needs MCPTAP_OTLP_TOPIC and MCPTAP_OTLP_TENANT_HEADER=true (the consumers take the authenticated tenant from the record header), set alike for the detectors and the sink`,
    );
  if (forwardRawSpans)
    throw new ConfigError(
      `${e.forwardOtlp.name}=true forwards mcptap's spans only: unset ${e.forwardRawSpans.name}`,
    );
  return kafka.otlpInput.topic;
}

export function collectorConfigFromEnv(env: Env = process.env): CollectorConfig {
  const e = COLLECTOR_ENV;
  const kafka = kafkaSettingsFromEnv(env);
  const otlpTopic = forwardedTopic(env, kafka, envBool(env, e.forwardRawSpans));
  const receiver = { ...receiverConfigFromEnv(env), forwardOtlp: otlpTopic !== null };
  const kafkaRequestBytes = envInt(env, e.kafkaRequestBytes, 1024);
  const { maxMessageBytes } = kafka.topicSettings;
  const { maxRecordBytes } = receiver;
  if (maxRecordBytes + RECORD_OVERHEAD_BYTES > kafkaRequestBytes || kafkaRequestBytes > maxMessageBytes) {
    throw new ConfigError(
      `expected ${e.maxRecordBytes.name} (${maxRecordBytes}) + ${RECORD_OVERHEAD_BYTES} <= ${e.kafkaRequestBytes.name} ` +
        `(${kafkaRequestBytes}) <= MCPTAP_TOPIC_MAX_MESSAGE_BYTES (${maxMessageBytes}): Kafka refuses a record batch over max.message.bytes`,
    );
  }
  return {
    receiver,
    kafka: {
      client: parseProducerClient(envString(env, e.kafkaClient), e.kafkaClient.name),
      brokers: kafka.brokers,
      clientId: kafka.clientId,
      topics: kafka.topics,
      topicSettings: kafka.topicSettings,
      requestBytes: kafkaRequestBytes,
      requestTimeoutMs: receiver.publishTimeoutMs,
      readyTtlMs: envInt(env, e.readyTtlMs, 1000),
      rawSpansTopic: receiver.forwardRawSpans,
      otlpTopic,
    },
    workers: parseWorkers(envString(env, e.workers)),
  };
}
