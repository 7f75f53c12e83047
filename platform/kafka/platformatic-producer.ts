import { compatibilityPartitioner, Producer } from '@platformatic/kafka';
import { produce, type PartitionData } from './produce-request.js';
import { partitionKey, ProducerSequences } from './producer-sequences.js';
import {
  encodeHeaders,
  encodeRecordBatch,
  type EncodedRecord,
  type ProducerIdentity,
} from './record-batch.js';
import type { OutgoingRecord, RecordProducer, RecordProducerSettings } from './record-producer.js';

/** Most records share their key (a session) and headers (kind, tenant) with many others. */
const MAX_CACHED_KEYS = 10_000;

/** Retries of a produce round whose errors the protocol marks retriable (leader moved, timeouts): 3.1 s
 * in all, as a partition created on a loaded broker can take over a second to have its leader known. */
const SEND_RETRIES = 5;
const RETRY_DELAY_MS = 100;

interface PartitionBatch {
  /** `partitionKey(topic, partition)`, the key of its sequence numbers. */
  key: string;
  topic: string;
  partition: number;
  count: number;
  bytes: Buffer;
}

type ClusterMetadata = Awaited<ReturnType<Producer['metadata']>>;

/** A producer id and epoch, with the sequence numbers of the batches sent under them. */
interface IdempotentSession {
  identity: ProducerIdentity;
  sequences: ProducerSequences;
}

/** Whether @platformatic/kafka marks the error (or every error of an aggregate) retriable. */
function canRetry(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.length > 0 && error.errors.every(canRetry);
  return typeof error === 'object' && error !== null && (error as { canRetry?: unknown }).canRetry === true;
}

/**
 * @platformatic/kafka for the connections, the cluster metadata and the idempotent producer id;
 * the record batches and the produce requests are written here (one buffer per partition instead
 * of a dozen per record). One produce round at a time (a send waits for the one before it), a
 * request per partition leader; a round
 * whose errors the protocol marks retriable is resent as it was, any other error (or retries run
 * out) fails the round. The broker may have appended a failed round's batches, so the next round
 * takes a new producer id and numbers its sequences from 0: under the old id, a batch reusing the
 * failed one's sequence numbers would be acknowledged as its duplicate and dropped.
 */
export class PlatformaticRecordProducer implements RecordProducer {
  readonly client = 'platformatic';
  private readonly producer: Producer;
  private connected = false;
  /** Undefined once a round failed: the next round starts a new one. */
  private session: IdempotentSession | undefined;
  /**
   * The round under way: concurrent sends wait their turn, since two batches numbered from the same
   * next sequence would be one batch and its "duplicate" to the broker, which drops the second.
   */
  private lastRound: Promise<void> = Promise.resolve();
  /**
   * A key's bytes and partition hash, computed once (Java's partitioner: murmur2 & 0x7fffffff, as
   * kafkajs's DefaultPartitioner), modulo the topic's partition count at send time.
   */
  private readonly keys = new Map<string, { bytes: Buffer; partition: number }>();
  /** Encoded headers, by the identity of the publisher's (cached) header objects. */
  private readonly headers = new WeakMap<Readonly<Record<string, string>>, Buffer>();

  constructor(settings: RecordProducerSettings) {
    this.producer = new Producer({
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
    this.session = await this.newSession();
    this.connected = true;
  }

  private async newSession(): Promise<IdempotentSession> {
    const { producerId, producerEpoch } = await this.producer.initIdempotentProducer({});
    return { identity: { id: producerId, epoch: producerEpoch }, sequences: new ProducerSequences() };
  }

  send(records: readonly OutgoingRecord[], timeoutMs: number): Promise<void> {
    const round = this.lastRound.then(() => this.sendRound(records, timeoutMs));
    this.lastRound = round.catch(() => undefined);
    return round;
  }

  private async sendRound(records: readonly OutgoingRecord[], timeoutMs: number): Promise<void> {
    if (!this.connected) throw new Error('the Kafka producer is not connected');
    const { identity, sequences } = (this.session ??= await this.newSession());
    const topicNames = [...new Set(records.map((record) => record.topic))];
    const metadata = await this.producer.metadata({ topics: topicNames });
    const byPartition = new Map<string, { topic: string; partition: number; records: EncodedRecord[] }>();
    for (const record of records) {
      const topic = metadata.topics.get(record.topic);
      if (topic === undefined) throw new Error(`topic ${record.topic} is not in the cluster metadata`);
      const encoded = this.encode(record);
      encoded.partition %= topic.partitionsCount;
      const key = partitionKey(record.topic, encoded.partition);
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
      bytes: encodeRecordBatch(batch, identity, sequences.next(key), now),
    }));
    try {
      await this.produceWithRetries(batches, topicNames, metadata, timeoutMs);
    } catch (error) {
      this.session = undefined;
      throw error;
    }
    for (const { key, count } of batches) sequences.acknowledged(key, count);
  }

  private async produceWithRetries(
    batches: readonly PartitionBatch[],
    topicNames: readonly string[],
    metadata: ClusterMetadata,
    timeoutMs: number,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.produceRound(batches, metadata, timeoutMs);
      } catch (error) {
        // A partition just created or moved answers "not leader" until the metadata catches up.
        if (attempt >= SEND_RETRIES || !canRetry(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * 2 ** attempt));
        metadata = await this.producer.metadata({ topics: [...topicNames], forceUpdate: true });
      }
    }
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
