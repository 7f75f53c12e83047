import {
  compatibilityPartitioner,
  Producer as PlatformaticProducer,
  type MessageToProduce,
} from '@platformatic/kafka';
import { Partitioners, type Message, type Producer as KafkajsProducer, type TopicMessages } from 'kafkajs';
import { ConfigError } from './env-config.js';
import { createKafka } from './kafka.js';
import type { Logger } from './log.js';

/**
 * The one place that knows which client produces records: kafkajs (the reference client of the
 * project) or @platformatic/kafka (measured at about half the CPU per record: kafkajs spends most of
 * its time in its pure-JS CRC-32C and buffer copies). Both are configured the same way: idempotent,
 * acks=all, one request in flight (platformatic failed with "out of order sequence number" at 4 in
 * flight), and records keyed with Java's murmur2 partitioner, so that a session's events land in the
 * same partition whichever client wrote them.
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
  value: string;
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

class KafkajsRecordProducer implements RecordProducer {
  readonly client = 'kafkajs';
  private readonly producer: KafkajsProducer;

  constructor(settings: RecordProducerSettings) {
    const kafka = createKafka(
      { brokers: settings.brokers, clientId: settings.clientId },
      { logger: settings.logger, retries: 2 },
    );
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(records: readonly OutgoingRecord[], timeoutMs: number): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, key, value, headers } of records) {
      let messages = byTopic.get(topic);
      if (messages === undefined) byTopic.set(topic, (messages = []));
      messages.push({ key, value, headers: { ...headers } });
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    await this.producer.sendBatch({ topicMessages, acks: -1, timeout: timeoutMs });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

type BufferMessage = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/** Most records share their key (a session) and headers (kind, tenant) with many others. */
const MAX_CACHED_KEYS = 10_000;

class PlatformaticRecordProducer implements RecordProducer {
  readonly client = 'platformatic';
  private readonly producer: PlatformaticProducer<Buffer, Buffer, Buffer, Buffer>;
  /**
   * A key's bytes and partition hash, computed once. The producer would serialise the key and run
   * the partitioner (a murmur2 in JavaScript) twice per record; given a partition it uses it,
   * modulo the topic's partition count, exactly as it does with the partitioner's result.
   */
  private readonly keys = new Map<string, { bytes: Buffer; partition: number }>();
  /** Serialised headers, by the identity of the publisher's (cached) header objects. */
  private readonly headers = new WeakMap<Readonly<Record<string, string>>, Map<Buffer, Buffer>>();

  constructor(settings: RecordProducerSettings) {
    this.producer = new PlatformaticProducer({
      clientId: settings.clientId,
      bootstrapBrokers: settings.brokers,
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
      timeout: settings.requestTimeoutMs,
      connectTimeout: 3000,
      // An idempotent platformatic producer otherwise retries forever; the publisher retries by
      // recreating the producer, and the HTTP sender by resending.
      retries: 2,
      retryDelay: 200,
    });
  }

  async connect(): Promise<void> {
    await this.producer.metadata({ topics: [] });
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    await this.producer.send({ messages: records.map((record) => this.message(record)) });
  }

  disconnect(): Promise<void> {
    return this.producer.close();
  }

  private message({ topic, key, value, headers }: OutgoingRecord): BufferMessage {
    let cachedKey = this.keys.get(key);
    if (cachedKey === undefined) {
      const bytes = Buffer.from(key, 'utf8');
      const message: BufferMessage = { topic, key: bytes };
      // Java's partitioner (murmur2 & 0x7fffffff), as kafkajs's DefaultPartitioner.
      cachedKey = { bytes, partition: compatibilityPartitioner(message, bytes) };
      if (this.keys.size >= MAX_CACHED_KEYS) this.keys.clear();
      this.keys.set(key, cachedKey);
    }
    let headerBytes = this.headers.get(headers);
    if (headerBytes === undefined) {
      headerBytes = new Map(
        Object.entries(headers).map(([name, text]) => [Buffer.from(name, 'utf8'), Buffer.from(text, 'utf8')]),
      );
      this.headers.set(headers, headerBytes);
    }
    return {
      topic,
      key: cachedKey.bytes,
      value: Buffer.from(value, 'utf8'),
      headers: headerBytes,
      partition: cachedKey.partition,
    };
  }
}

export function createRecordProducer(settings: RecordProducerSettings): RecordProducer {
  return settings.client === 'platformatic'
    ? new PlatformaticRecordProducer(settings)
    : new KafkajsRecordProducer(settings);
}
