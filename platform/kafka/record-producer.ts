import { ConfigError } from '../env-config.js';
import type { Logger } from '../log.js';
import { KafkajsRecordProducer } from './kafkajs-producer.js';
import { PlatformaticRecordProducer } from './platformatic-producer.js';

/**
 * The one place that knows which client produces records: kafkajs (the reference client of the
 * project) or @platformatic/kafka (measured at about half the CPU per record: kafkajs spends most of
 * its time in its pure-JS CRC-32C and buffer copies), whose record batches we encode ourselves.
 * Both are configured the same way: idempotent, acks=all, one request in flight (platformatic's own
 * send failed with "out of order sequence number" at 4 in flight), and records keyed with Java's
 * murmur2 partitioner, so that a session's events land in the same partition whichever client wrote
 * them.
 */

export const PRODUCER_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type ProducerClient = (typeof PRODUCER_CLIENTS)[number];

export function parseProducerClient(text: string, variable: string): ProducerClient {
  const client = PRODUCER_CLIENTS.find((name) => name === text.trim().toLowerCase());
  if (client === undefined) {
    throw new ConfigError(
      `${variable}=${JSON.stringify(text)}: expected one of ${PRODUCER_CLIENTS.join(', ')}`,
    );
  }
  return client;
}

export interface OutgoingRecord {
  topic: string;
  key: string;
  /** A string is sent as UTF-8. */
  value: string | Buffer;
  headers: Readonly<Record<string, string>>;
}

export interface RecordProducer {
  readonly client: ProducerClient;
  /** Connects (and, for platformatic, fetches the cluster metadata); rejects when Kafka is unreachable. */
  connect(): Promise<void>;
  /** One produce round: resolves once the brokers acknowledged every record (acks=all). */
  send(records: readonly OutgoingRecord[], timeoutMs: number): Promise<void>;
  disconnect(): Promise<void>;
}

export interface RecordProducerSettings {
  client: ProducerClient;
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** How long one produce request may wait for the brokers' acknowledgement. */
  requestTimeoutMs: number;
}

export function createRecordProducer(settings: RecordProducerSettings): RecordProducer {
  return settings.client === 'platformatic'
    ? new PlatformaticRecordProducer(settings)
    : new KafkajsRecordProducer(settings);
}
