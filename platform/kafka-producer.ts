import {
  compatibilityPartitioner,
  crc32c,
  createAPI,
  produceV9,
  Producer as PlatformaticProducer,
  Writer,
} from '@platformatic/kafka';
import { Partitioners, type Message, type Producer as KafkajsProducer, type TopicMessages } from 'kafkajs';
import { ConfigError } from './env-config.js';
import { createKafka } from './kafka.js';
import type { Logger } from './log.js';

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

/** Most records share their key (a session) and headers (kind, tenant) with many others. */
const MAX_CACHED_KEYS = 10_000;

/** Bytes of a RecordBatch (magic 2) before its first record. */
const BATCH_HEADER_BYTES = 61;
/** From `attributes` on, what the batch's CRC-32C covers. */
const BATCH_CRC_START = 21;
const PRODUCE_API_KEY = 0;

interface PartitionData {
  index: number;
  batch: Buffer;
}

interface TopicData {
  name: string;
  partitions: PartitionData[];
}

/** Produce v9 (a flexible version) around record batches encoded here. */
const produce = createAPI<[acks: number, timeoutMs: number, topics: TopicData[]], produceV9.ProduceResponse>(
  PRODUCE_API_KEY,
  9,
  (acks: number, timeoutMs: number, topics: TopicData[]) =>
    Writer.create()
      .appendString(null)
      .appendInt16(acks)
      .appendInt32(timeoutMs)
      .appendArray(topics, (w, topic) =>
        w.appendString(topic.name).appendArray(topic.partitions, (p, partition) =>
          p
            .appendInt32(partition.index)
            .appendUnsignedVarInt(partition.batch.length + 1)
            .append(partition.batch),
        ),
      )
      .appendTaggedFields(),
  produceV9.parseResponse,
);

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value >>>= 7;
    size++;
  }
  return size;
}

/** Kafka's signed varint (zigzag) of a non-negative int32 is the unsigned varint of twice it. */
function writeVarint(buf: Buffer, offset: number, value: number): number {
  while (value > 0x7f) {
    buf[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[offset++] = value;
  return offset;
}

interface PartitionBatch {
  /** `topic\u0000partition`, the key of its sequence numbers. */
  key: string;
  topic: string;
  partition: number;
  count: number;
  bytes: Buffer;
}

type ClusterMetadata = Awaited<ReturnType<PlatformaticProducer['metadata']>>;

/** Retries of a produce round whose errors the protocol marks retriable (leader moved, timeouts). */
const SEND_RETRIES = 3;
const RETRY_DELAY_MS = 100;

/** Whether @platformatic/kafka marks the error (or every error of an aggregate) retriable. */
function canRetry(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.length > 0 && error.errors.every(canRetry);
  return typeof error === 'object' && error !== null && (error as { canRetry?: unknown }).canRetry === true;
}

interface EncodedRecord {
  partition: number;
  key: Buffer;
  value: Buffer;
  headers: Buffer;
}

/**
 * One partition's records as a RecordBatch (magic 2, uncompressed, idempotent), written into one
 * buffer: @platformatic/kafka's own encoder allocates a buffer per field of every record.
 */
function encodeRecordBatch(
  records: readonly EncodedRecord[],
  producer: { id: bigint; epoch: number },
  baseSequence: number,
  timestampMs: bigint,
): Buffer {
  let size = BATCH_HEADER_BYTES;
  const bodies = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const { key, value, headers } = records[i]!;
    // attributes, timestamp delta 0, offset delta, key, value, headers.
    const body =
      2 +
      varintSize(i * 2) +
      varintSize(key.length * 2) +
      key.length +
      varintSize(value.length * 2) +
      value.length +
      headers.length;
    bodies[i] = body;
    size += varintSize(body * 2) + body;
  }
  const buf = Buffer.allocUnsafe(size);
  buf.writeBigInt64BE(0n, 0); // base offset, assigned by the broker
  buf.writeInt32BE(size - 12, 8);
  buf.writeInt32BE(0, 12); // partition leader epoch
  buf.writeInt8(2, 16); // magic
  buf.writeInt16BE(0, 21); // attributes: no compression, no transaction
  buf.writeInt32BE(records.length - 1, 23); // last offset delta
  buf.writeBigInt64BE(timestampMs, 27);
  buf.writeBigInt64BE(timestampMs, 35);
  buf.writeBigInt64BE(producer.id, 43);
  buf.writeInt16BE(producer.epoch, 51);
  buf.writeInt32BE(baseSequence, 53);
  buf.writeInt32BE(records.length, 57);
  let offset = BATCH_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const { key, value, headers } = records[i]!;
    offset = writeVarint(buf, offset, bodies[i]! * 2);
    buf[offset++] = 0;
    buf[offset++] = 0;
    offset = writeVarint(buf, offset, i * 2);
    offset = writeVarint(buf, offset, key.length * 2);
    offset += key.copy(buf, offset);
    offset = writeVarint(buf, offset, value.length * 2);
    offset += value.copy(buf, offset);
    offset += headers.copy(buf, offset);
  }
  buf.writeUInt32BE(crc32c(buf.subarray(BATCH_CRC_START)), 17);
  return buf;
}

function encodeHeaders(headers: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(headers).map(
    ([name, text]) => [Buffer.from(name, 'utf8'), Buffer.from(text, 'utf8')] as const,
  );
  let size = varintSize(entries.length * 2);
  for (const [name, text] of entries)
    size += varintSize(name.length * 2) + name.length + varintSize(text.length * 2) + text.length;
  const buf = Buffer.allocUnsafe(size);
  let offset = writeVarint(buf, 0, entries.length * 2);
  for (const [name, text] of entries) {
    offset = writeVarint(buf, offset, name.length * 2);
    offset += name.copy(buf, offset);
    offset = writeVarint(buf, offset, text.length * 2);
    offset += text.copy(buf, offset);
  }
  return buf;
}

/**
 * @platformatic/kafka for the connections, the cluster metadata and the idempotent producer id;
 * the record batches and the produce requests are written here (one buffer per partition instead
 * of a dozen per record). One produce round at a time, a request per partition leader; a round
 * whose errors the protocol marks retriable is resent as it was, any other error fails the round,
 * and the publisher replaces the producer (a new producer id), as before.
 */
class PlatformaticRecordProducer implements RecordProducer {
  readonly client = 'platformatic';
  private readonly producer: PlatformaticProducer;
  private idempotent: { id: bigint; epoch: number } | undefined;
  /** Next sequence number per `topic\u0000partition` of this producer id. */
  private readonly sequences = new Map<string, number>();
  /**
   * A key's bytes and partition hash, computed once (Java's partitioner: murmur2 & 0x7fffffff, as
   * kafkajs's DefaultPartitioner), modulo the topic's partition count at send time.
   */
  private readonly keys = new Map<string, { bytes: Buffer; partition: number }>();
  /** Encoded headers, by the identity of the publisher's (cached) header objects. */
  private readonly headers = new WeakMap<Readonly<Record<string, string>>, Buffer>();

  constructor(settings: RecordProducerSettings) {
    this.producer = new PlatformaticProducer({
      clientId: settings.clientId,
      bootstrapBrokers: settings.brokers,
      autocreateTopics: false,
      timeout: settings.requestTimeoutMs,
      connectTimeout: 3000,
      // For metadata and the producer id; a failed produce round is retried by the publisher
      // (with a new producer) and by the HTTP sender.
      retries: 2,
      retryDelay: 200,
    });
  }

  async connect(): Promise<void> {
    await this.producer.metadata({ topics: [] });
    const info = await this.producer.initIdempotentProducer({});
    this.idempotent = { id: info.producerId, epoch: info.producerEpoch };
  }

  async send(records: readonly OutgoingRecord[], timeoutMs: number): Promise<void> {
    const idempotent = this.idempotent;
    if (idempotent === undefined) throw new Error('the Kafka producer is not connected');
    const topicNames = [...new Set(records.map((record) => record.topic))];
    let metadata = await this.producer.metadata({ topics: topicNames });
    const byPartition = new Map<string, { topic: string; partition: number; records: EncodedRecord[] }>();
    for (const record of records) {
      const topic = metadata.topics.get(record.topic);
      if (topic === undefined) throw new Error(`topic ${record.topic} is not in the cluster metadata`);
      const encoded = this.encode(record);
      encoded.partition %= topic.partitionsCount;
      const key = `${record.topic}\u0000${encoded.partition}`;
      let partition = byPartition.get(key);
      if (partition === undefined) {
        partition = { topic: record.topic, partition: encoded.partition, records: [] };
        byPartition.set(key, partition);
      }
      partition.records.push(encoded);
    }
    // Each batch is encoded once, with its sequence numbers: a retry sends the same bytes, and the
    // broker acknowledges a batch it already appended without appending it again.
    const now = BigInt(Date.now());
    const batches: PartitionBatch[] = [...byPartition].map(([key, { topic, partition, records: batch }]) => ({
      key,
      topic,
      partition,
      count: batch.length,
      bytes: encodeRecordBatch(batch, idempotent, this.sequences.get(key) ?? 0, now),
    }));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.produceRound(batches, metadata, timeoutMs);
        break;
      } catch (error) {
        // A partition just created or moved answers "not leader" until the metadata catches up.
        if (attempt >= SEND_RETRIES || !canRetry(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * 2 ** attempt));
        metadata = await this.producer.metadata({ topics: topicNames, forceUpdate: true });
      }
    }
    // Kafka's sequence numbers wrap to 0 after 2^31 - 1.
    for (const { key, count } of batches)
      this.sequences.set(key, ((this.sequences.get(key) ?? 0) + count) % 2 ** 31);
  }

  /** One produce request per partition leader, at once; rejects if any partition failed. */
  private async produceRound(
    batches: readonly PartitionBatch[],
    metadata: ClusterMetadata,
    timeoutMs: number,
  ): Promise<void> {
    const byLeader = new Map<number, Map<string, PartitionData[]>>();
    for (const { topic, partition, bytes } of batches) {
      const leader = metadata.topics.get(topic)?.partitions[partition]?.leader;
      if (leader === undefined)
        throw new Error(`partition ${topic}/${partition} is not in the cluster metadata`);
      let topics = byLeader.get(leader);
      if (topics === undefined) byLeader.set(leader, (topics = new Map()));
      let partitions = topics.get(topic);
      if (partitions === undefined) topics.set(topic, (partitions = []));
      partitions.push({ index: partition, batch: bytes });
    }
    await Promise.all(
      [...byLeader].map(async ([leader, topics]) => {
        const broker = metadata.brokers.get(leader);
        if (broker === undefined) throw new Error(`broker ${leader} is not in the cluster metadata`);
        const connection = await this.producer.connections.get(broker);
        const topicData = [...topics].map(([name, partitions]) => ({ name, partitions }));
        await produce.async(connection, -1, timeoutMs, topicData);
      }),
    );
  }

  disconnect(): Promise<void> {
    return this.producer.close();
  }

  private encode({ key, value, headers }: OutgoingRecord): EncodedRecord {
    let cachedKey = this.keys.get(key);
    if (cachedKey === undefined) {
      const bytes = Buffer.from(key, 'utf8');
      cachedKey = { bytes, partition: compatibilityPartitioner({ topic: '', key: bytes }, bytes) };
      if (this.keys.size >= MAX_CACHED_KEYS) this.keys.clear();
      this.keys.set(key, cachedKey);
    }
    let headerBytes = this.headers.get(headers);
    if (headerBytes === undefined) this.headers.set(headers, (headerBytes = encodeHeaders(headers)));
    return {
      partition: cachedKey.partition,
      key: cachedKey.bytes,
      value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
      headers: headerBytes,
    };
  }
}

export function createRecordProducer(settings: RecordProducerSettings): RecordProducer {
  return settings.client === 'platformatic'
    ? new PlatformaticRecordProducer(settings)
    : new KafkajsRecordProducer(settings);
}
