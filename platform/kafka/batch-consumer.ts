import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { SecretMasker } from '../../secrets/index.js';
import type { Logger } from '../log.js';
import type { Counter, Gauge } from '../metrics.js';
import { batchDueInMs } from './batch-due.js';
import { CommitsInOrder } from './commits-in-order.js';
import { deadLetterMessage, deadLetterPayload, type ConsumedRecord } from './dead-letter.js';
import { lagAfterBatch, whenConsumerGivesUp } from './kafkajs-client.js';
import { OffsetCommitter } from './offset-committer.js';
import { ConsumerStopping, WriteRetry, type Retried, type RetryOptions } from './write-retry.js';

/**
 * The at-least-once batch consumer of every service that reads the pipeline's topics (the sink, the
 * detectors). Fetched records are decoded by the handler as they arrive, while earlier batches are
 * still being written; the decoded records wait in a bounded queue until a batch is due
 * (batch-due.ts), then go to the handler's `write`, up to `writesInFlight` batches at once, in the
 * order they were fetched per partition. A batch's offsets are committed once it and every batch
 * taken before it are written (commits-in-order.ts, offset-committer.ts): a crash redelivers, it
 * never skips. A write that fails is retried with bounded exponential backoff while the consumed
 * topics are paused (write-retry.ts): nothing is skipped. A record the handler cannot decode, or whose write it refuses for
 * good, goes to the dead-letter topic in the one format of dead-letter.ts before the batch's
 * offsets are committed. `stop` writes and commits what is queued, then leaves the group.
 */

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface Accepted<T> {
  value: T;
  record: ConsumedRecord;
}

/** A record the handler will never be able to write: it is dead-lettered. */
export interface Refused {
  record: ConsumedRecord;
  reason: string;
  /** The metric label of why (the consumer's own: invalid_record). */
  cause: string;
}

export interface WriteContext {
  /**
   * Runs `attempt` until it succeeds, pausing consumption and backing off between failures; errors
   * that `refused` picks cannot be cured by retrying and are returned. For a handler whose write has
   * parts worth retrying alone (one insert per table). Throws ConsumerStopping when the consumer
   * stops first.
   */
  retry<R>(
    what: string,
    target: string,
    attempt: () => Promise<R>,
    options?: RetryOptions,
  ): Promise<Retried<R>>;
}

export interface BatchHandler<T> {
  /**
   * Makes a fetched record writable, or says why it never will be. Runs once per delivery, as
   * records are fetched, in fetch order per partition, ahead of the writes.
   */
  decode(record: ConsumedRecord): Decoded<T>;
  /**
   * Writes a batch and resolves once it is durable, with the records it refused for good (they are
   * dead-lettered). A throw is retried, after a backoff, with the same batch.
   */
  write(batch: readonly Accepted<T>[], context: WriteContext): Promise<readonly Refused[] | void>;
}

/** The consumer's own metrics; each service registers them under its own names. */
export interface BatchConsumerMetrics {
  /** By `topic` and `partition`: records behind the partition's end at its last fetch. */
  consumerLag: Gauge;
  /** Decoded records waiting for a write. */
  queued: Gauge;
  /** 1 while consumption is paused because writes fail. */
  paused: Gauge;
  /** By `target`: each failed write attempt (retried). */
  writeFailures: Counter;
  /** By `cause`. */
  deadLettered: Counter;
}

export interface BatchConsumerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  handler: BatchHandler<T>;
  /** Names the consumer in its dead letters and logs (`sink`, `detectors`). */
  component: string;
  deadLetter: {
    topic: string;
    /** Masks payload and reason as the component masks what it writes; null copies them raw. */
    mask: SecretMasker | null;
  };
  logger: Logger;
  metrics: BatchConsumerMetrics;
  /** Most records handed to one write. */
  batchRecords: number;
  /** Longest a record waits for a fuller batch while the consumer keeps up; 0: batches go at once. */
  batchWaitMs: number;
  /** Batches being written at once. */
  writesInFlight: number;
  /** Longest backoff between attempts of a failing write. */
  retryMaxMs: number;
  /** Longest a fetch waits at the broker when there is nothing new (a long poll). */
  fetchMaxWaitMs: number;
  maxBytesPerPartition?: number;
  /** Partitions whose fetched batches are decoded at once. */
  partitionsConcurrently: number;
  /** Runs before the first records fetched after each (re)join are decoded (detectors: their state). */
  afterJoin?: () => Promise<void>;
  /** Told when the group starts rebalancing (detectors: state written for whoever takes over). */
  onRebalancing?: () => void;
  /** Told when the Kafka consumer stopped for good (kafkajs gave up on it): the service should exit. */
  onConsumerStopped?: (error: Error) => void;
  /** Shared with the component's other writes; one of its own otherwise. */
  producer?: Producer;
}

export interface RunningBatchConsumer {
  /** Writes and commits what is queued (unless writes fail), then leaves the group. */
  stop(): Promise<void>;
}

/** Part of one partition's fetched batch, decoded, waiting for a write. */
interface Chunk<T> {
  topic: string;
  partition: number;
  /** What to commit once the chunk is written: the offset after its last record. */
  nextOffset: string;
  /** The consumer-group generation the chunk was fetched in; a later one may not own the partition. */
  generation: number;
  /** Named `rows` for batch-due.ts, which counts them. */
  rows: Accepted<T>[];
  poison: Refused[];
  queuedAt: number;
  /** Fetched while the partition was behind the end of its log (batch-due.ts). */
  behind: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles when `wake` does or after `ms` (which may be Infinity), whichever is first. */
async function wakeOrAfter(wake: Promise<void>, ms: number): Promise<void> {
  if (ms === Infinity) return wake;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([wake, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A promise that settles on the next `fire()`: how the writer and the fetcher wake each other. */
function signal(): { next(): Promise<void>; fire(): void } {
  let fire!: () => void;
  let next = new Promise<void>((resolve) => (fire = resolve));
  return {
    next: () => next,
    fire() {
      fire();
      next = new Promise<void>((resolve) => (fire = resolve));
    },
  };
}

export async function startBatchConsumer<T>(options: BatchConsumerOptions<T>): Promise<RunningBatchConsumer> {
  const { kafka, handler, logger, metrics, component } = options;
  const inputs = [...options.topics];
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    // A fetch returns as soon as there is something: the writer, which knows whether a partition
    // is behind, decides how long records wait for a fuller batch (batch-due.ts).
    minBytes: 1,
    maxBytesPerPartition: options.maxBytesPerPartition,
    maxWaitTimeInMs: options.fetchMaxWaitMs,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
  });
  const ownProducer = options.producer === undefined;
  const producer = options.producer ?? kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  if (ownProducer) await producer.connect();
  if (options.onConsumerStopped) whenConsumerGivesUp(consumer, logger, options.onConsumerStopped);
  await consumer.connect();
  await consumer.subscribe({ topics: inputs, fromBeginning: true });

  const queue: Chunk<T>[] = [];
  /** Fired when a chunk is queued, a write ends, or the consumer stops. */
  const wakeWriter = signal();
  const taken = signal();
  /** Records behind the end of each partition (`topic\0partition`) after its last fetch. */
  const lagAfterLastFetch = new Map<string, number>();
  const caughtUp = () => [...lagAfterLastFetch.values()].every((lag) => lag === 0);
  let generation = 0;
  let joined: Promise<void> | null = null;
  let stopping = false;
  let paused = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    generation++;
    joined = null;
    lagAfterLastFetch.clear();
  });
  if (options.onRebalancing) consumer.on(consumer.events.REBALANCING, options.onRebalancing);

  function pause(): void {
    if (paused) return;
    consumer.pause(inputs.map((topic) => ({ topic })));
    paused = true;
    metrics.paused.set(1);
  }

  function resume(): void {
    if (!paused || stopping) return;
    consumer.resume(inputs.map((topic) => ({ topic })));
    paused = false;
    metrics.paused.set(0);
  }

  function countQueued(): number {
    let records = 0;
    for (const chunk of queue) records += chunk.rows.length;
    metrics.queued.set(records);
    return records;
  }

  const retrier = new WriteRetry({
    pause,
    resume,
    stopping: () => stopping,
    retryMaxMs: options.retryMaxMs,
    logger,
    failures: metrics.writeFailures,
  });
  const retry: WriteContext['retry'] = (what, target, attempt, retryOptions) =>
    retrier.retry(what, target, attempt, retryOptions);

  async function deadLetter(refused: readonly Refused[]): Promise<void> {
    const { topic, mask } = options.deadLetter;
    const now = new Date();
    const messages = refused.map(({ record, reason }) =>
      deadLetterMessage(record, reason, component, mask, now),
    );
    await retry(
      'sending to the dead-letter topic',
      'dead_letter_topic',
      () => producer.send({ topic, acks: -1, messages }),
      { context: { messages: messages.length } },
    );
    for (const { record, reason, cause } of refused) {
      metrics.deadLettered.inc({ cause });
      logger.warn('record sent to the dead-letter topic', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        // ClickHouse quotes the row after ` before: `: logs never carry it, masked or not.
        reason: deadLetterPayload(null, reason.split(' before: ')[0]!.slice(0, 300), mask).reason,
      });
    }
  }

  /** Dead letters first, then the write; false when the consumer stops first. */
  async function write(chunks: readonly Chunk<T>[]): Promise<boolean> {
    try {
      const poison = chunks.flatMap((chunk) => chunk.poison);
      if (poison.length > 0) await deadLetter(poison);
      const batch = chunks.length === 1 ? chunks[0]!.rows : chunks.flatMap((chunk) => chunk.rows);
      if (batch.length === 0) return true;
      const written = await retry('writing a batch', component, async () => handler.write(batch, { retry }), {
        context: { records: batch.length },
      });
      const refused = 'done' in written ? written.done : undefined;
      if (refused && refused.length > 0) await deadLetter(refused);
      return true;
    } catch (error) {
      if (error instanceof ConsumerStopping) return false;
      throw error;
    }
  }

  const committer = new OffsetCommitter(consumer, () => generation, logger);

  /** Hands a written batch's offsets to the committer (called in the order batches were taken). */
  async function commit(chunks: readonly Chunk<T>[]): Promise<void> {
    committer.add(
      chunks.map(({ topic, partition, nextOffset, generation: fetchedIn }) => ({
        topic,
        partition,
        offset: nextOffset,
        generation: fetchedIn,
      })),
    );
  }

  /**
   * Up to batchRecords queued records (at least one chunk), in order, out of the queue. Chunks
   * fetched before the last rebalance are dropped: the group redelivers them from its commit to
   * whoever owns their partition now.
   */
  function takeBatch(): Chunk<T>[] {
    while (queue.length > 0 && queue[0]!.generation !== generation) queue.shift();
    if (queue.length === 0) return [];
    let records = queue[0]!.rows.length;
    let count = 1;
    while (count < queue.length && queue[count]!.generation === generation) {
      const next = records + queue[count]!.rows.length;
      if (next > options.batchRecords) break;
      records = next;
      count++;
    }
    const chunks = queue.splice(0, count);
    countQueued();
    taken.fire();
    return chunks;
  }

  /** Takes a batch when one is due, writes up to writesInFlight at once, commits them in order. */
  async function writeQueued(): Promise<void> {
    const limits = {
      batchRows: options.batchRecords,
      batchWaitMs: options.batchWaitMs,
      insertsInFlight: options.writesInFlight,
    };
    const commits = new CommitsInOrder();
    let running = 0;
    let gaveUp = false;
    while (!gaveUp && !(stopping && queue.length === 0)) {
      const dueIn =
        stopping && queue.length > 0 && running < options.writesInFlight
          ? 0
          : batchDueInMs(queue, performance.now(), limits, { insertsRunning: running, caughtUp: caughtUp() });
      if (dueIn > 0) {
        await wakeOrAfter(wakeWriter.next(), dueIn);
        continue;
      }
      const chunks = takeBatch();
      if (chunks.length === 0) continue;
      running++;
      const written = write(chunks).then((done) => {
        running--;
        gaveUp ||= !done;
        wakeWriter.fire();
        return done;
      });
      commits.add(written, () => commit(chunks));
    }
    await commits.settled();
    await committer.idle();
  }

  /** Waits while a batch's worth of records is already queued; false when the fetch must be left. */
  async function roomInQueue(payload: EachBatchPayload): Promise<boolean> {
    for (;;) {
      if (stopping || !payload.isRunning() || payload.isStale()) return false;
      if (countQueued() < options.batchRecords) return true;
      await Promise.race([taken.next(), sleep(1000)]);
      await payload.heartbeat();
    }
  }

  const writing = writeQueued();

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConcurrently,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const { topic, partition } = batch;
      if (options.afterJoin) {
        const fetchedIn = generation;
        joined ??= options.afterJoin().catch((error: unknown) => {
          joined = null;
          throw error;
        });
        await joined;
        if (fetchedIn !== generation) return;
      }
      const lag = lagAfterBatch(batch);
      metrics.consumerLag.set(lag, { topic, partition: String(partition) });
      const partitionKey = `${topic}\0${partition}`;
      // Before its first fetch (after a start or a rebalance) a partition may be far behind.
      const behind = (lagAfterLastFetch.get(partitionKey) ?? Infinity) > 0 || lag > 0;
      lagAfterLastFetch.set(partitionKey, lag);
      for (let start = 0; start < batch.messages.length; start += options.batchRecords) {
        if (!(await roomInQueue(payload))) return;
        const messages = batch.messages.slice(start, start + options.batchRecords);
        const last = messages[messages.length - 1]!;
        const rows: Accepted<T>[] = [];
        const poison: Refused[] = [];
        for (const message of messages) {
          const record: ConsumedRecord = {
            topic,
            partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            headers: message.headers,
          };
          const decoded = handler.decode(record);
          if (decoded.ok) rows.push({ value: decoded.value, record });
          else poison.push({ record, reason: decoded.reason, cause: 'invalid_record' });
        }
        queue.push({
          topic,
          partition,
          nextOffset: String(BigInt(last.offset) + 1n),
          generation,
          rows,
          poison,
          queuedAt: performance.now(),
          behind,
        });
        countQueued();
        wakeWriter.fire();
        // The next fetch starts after this offset; the commit waits for the write.
        payload.resolveOffset(last.offset);
      }
    },
  });
  logger.info(`${component} consuming`, { topics: inputs, group: options.groupId });

  return {
    async stop() {
      stopping = true;
      pause();
      wakeWriter.fire();
      await writing;
      await consumer.disconnect();
      if (ownProducer) await producer.disconnect();
    },
  };
}
