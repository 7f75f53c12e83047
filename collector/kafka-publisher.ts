import type { Admin, Kafka } from 'kafkajs';
import {
  EVENT_SCHEMA_VERSION,
  RECORD_HEADERS,
  topicForEvent,
  keyForEvent,
  type TopicNames,
  errorMessage,
} from '../model/index.js';
import {
  ensureTopics,
  type Logger,
  type OutgoingRecord,
  type RecordProducer,
  type TopicSpec,
} from '../platform/index.js';
import { PublishError, type EventPublisher, type PublishItem } from './event-publisher.js';
import { nextBatchLength } from './record-batches.js';

/**
 * The collector's Kafka sink. Items of concurrent requests share one queue; one loop drains it into
 * produce requests of at most `requestBytes` (one in flight: the producer is idempotent, acks=all,
 * max in flight 1). A request's promise settles when all its records are acknowledged, or fails as
 * soon as one of its records could not be written. After a failure the producer is recreated (a new
 * producer id): an idempotent producer whose last batch had an unknown outcome must not reuse its
 * sequence numbers.
 */

export interface KafkaPublisherOptions {
  /** For topic creation and reachability probes (kafkajs admin). */
  kafka: Kafka;
  /** A new idempotent producer (platform/kafka/platformatic-producer.ts); called again after a failure. */
  newProducer: () => RecordProducer;
  topics: TopicNames;
  /** Where OTLP records of the fast path go (MCPTAP_OTLP_TOPIC); null: none are published. */
  otlpTopic: string | null;
  /** Byte budget of one produce request (sum of values plus per-record overhead). */
  requestBytes: number;
  /** Broker-side timeout of one produce request. */
  requestTimeoutMs: number;
  /** How long a successful produce or probe counts as proof that Kafka is reachable. */
  readyTtlMs: number;
  logger: Logger;
}

interface PendingRequest {
  remaining: number;
  failed: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A queued record, kept as bytes: the decoded event and its JSON text are released as soon as the
 * request is queued, so that what waits for Kafka (often long enough to be promoted to V8's old
 * generation) is a buffer outside the JavaScript heap.
 */
interface QueueEntry {
  record: OutgoingRecord;
  bytes: number;
  request: PendingRequest;
}

export class KafkaEventPublisher implements EventPublisher {
  readonly destination = 'Kafka';
  private producer: RecordProducer;
  private producerHealthy = true;
  private resetting: Promise<void> | undefined;
  private readonly admin: Admin;
  private queue: QueueEntry[] = [];
  private head = 0;
  private draining: Promise<void> | undefined;
  private lastVerifiedMs = 0;
  private failing = false;
  private probing = false;
  private closed = false;
  private readonly probeTimer: NodeJS.Timeout;
  private readonly headerCache = new Map<string, Readonly<Record<string, string>>>();

  private constructor(private readonly options: KafkaPublisherOptions) {
    this.producer = options.newProducer();
    this.admin = options.kafka.admin({ retry: { retries: 1 } });
    this.probeTimer = setInterval(() => void this.probe(), Math.max(250, Math.floor(options.readyTtlMs / 3)));
    this.probeTimer.unref();
  }

  /** Creates the missing topics and connects; throws (retriable) when Kafka cannot be reached. */
  static async start(
    options: KafkaPublisherOptions,
    topicSpecs: readonly TopicSpec[],
  ): Promise<KafkaEventPublisher> {
    await ensureTopics(options.kafka, topicSpecs);
    const publisher = new KafkaEventPublisher(options);
    try {
      await publisher.producer.connect();
      await publisher.admin.connect();
    } catch (error) {
      await publisher.close();
      throw error;
    }
    publisher.lastVerifiedMs = Date.now();
    return publisher;
  }

  ready(): boolean {
    return !this.closed && !this.failing && Date.now() - this.lastVerifiedMs < this.options.readyTtlMs;
  }

  publish(items: readonly PublishItem[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new PublishError('the Kafka publisher is closed'));
    return new Promise<void>((resolve, reject) => {
      const request: PendingRequest = { remaining: items.length, failed: false, resolve, reject };
      for (const item of items) this.queue.push({ record: this.record(item), bytes: item.bytes, request });
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probeTimer);
    await this.draining;
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  private headers(kind: string, tenant: string): Readonly<Record<string, string>> {
    const cacheKey = `${kind}\u0000${tenant}`;
    let headers = this.headerCache.get(cacheKey);
    if (headers === undefined) {
      headers = {
        [RECORD_HEADERS.kind]: kind,
        [RECORD_HEADERS.tenant]: tenant,
        [RECORD_HEADERS.schemaVersion]: String(EVENT_SCHEMA_VERSION),
      };
      if (this.headerCache.size > 10_000) this.headerCache.clear();
      this.headerCache.set(cacheKey, headers);
    }
    return headers;
  }

  /** Takes the next queued entries that fit the byte budget of one produce request. */
  private takeBatch(): QueueEntry[] {
    const length = nextBatchLength(this.queue, this.head, this.options.requestBytes);
    const batch = this.queue.slice(this.head, this.head + length);
    this.head += length;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private record(item: PublishItem): OutgoingRecord {
    if (item.type === 'otlp') {
      const topic = this.options.otlpTopic;
      if (topic === null) throw new Error('an OTLP record without MCPTAP_OTLP_TOPIC');
      return { topic, key: item.key, value: item.value, headers: this.headers('otlp', item.tenant) };
    }
    const value = Buffer.from(item.value, 'utf8');
    return item.type === 'event'
      ? {
          topic: topicForEvent(this.options.topics, item.event),
          key: keyForEvent(item.event),
          value,
          headers: this.headers(item.event.kind, item.event.tenant),
        }
      : {
          topic: this.options.topics.rawSpans,
          key: item.key,
          value,
          headers: this.headers('raw_span', item.tenant),
        };
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      try {
        await this.ensureProducer();
        await this.producer.send(
          batch.map((entry) => entry.record),
          this.options.requestTimeoutMs,
        );
      } catch (error) {
        this.onFailure(batch, error);
        continue;
      }
      this.lastVerifiedMs = Date.now();
      this.failing = false;
      for (const { request } of batch) {
        if (--request.remaining === 0 && !request.failed) request.resolve();
      }
    }
  }

  /** Fails the batch's requests and everything queued: they would wait on a broken connection. */
  private onFailure(batch: readonly QueueEntry[], error: unknown): void {
    this.failing = true;
    this.producerHealthy = false;
    const reason = errorMessage(error);
    this.options.logger.warn('producing to Kafka failed; requests answered 503, senders will retry', {
      records: batch.length,
      error: reason,
    });
    const failure = new PublishError(`Kafka did not acknowledge the records: ${reason}`, { cause: error });
    const failRequest = (request: PendingRequest) => {
      if (request.failed) return;
      request.failed = true;
      request.reject(failure);
    };
    for (const { request } of batch) failRequest(request);
    for (let i = this.head; i < this.queue.length; i++) failRequest(this.queue[i]!.request);
    // Nothing of a failed request stays queued: the queue only ever holds live requests' records.
    this.queue = [];
    this.head = 0;
  }

  /** Replaces a producer that failed, once, whoever (drain or probe) asks first. */
  private ensureProducer(): Promise<void> {
    if (this.producerHealthy) return Promise.resolve();
    this.resetting ??= (async () => {
      await this.producer.disconnect().catch(() => undefined);
      this.producer = this.options.newProducer();
      await this.producer.connect();
      this.producerHealthy = true;
    })().finally(() => (this.resetting = undefined));
    return this.resetting;
  }

  /** Keeps readiness fresh when idle and finds out when a lost broker is back. */
  private async probe(): Promise<void> {
    if (this.probing || this.closed) return;
    if (!this.failing && Date.now() - this.lastVerifiedMs < this.options.readyTtlMs / 3) return;
    this.probing = true;
    try {
      await this.admin.describeCluster();
      await this.ensureProducer();
      this.lastVerifiedMs = Date.now();
      if (this.failing) this.options.logger.info('Kafka is reachable again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.options.logger.warn('Kafka probe failed; not ready', {
          error: errorMessage(error),
        });
      }
      this.failing = true;
    } finally {
      this.probing = false;
    }
  }
}
