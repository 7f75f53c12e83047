import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { TopicNames } from '../model/index.js';
import { maskSerialised, type SecretMasker } from '../secrets/index.js';
import { lagAfterBatch, whenConsumerGivesUp, type Logger } from '../platform/index.js';
import { valuesRefused } from './insert-errors.js';
import type { Row, StoredRecord } from './row-codec.js';
import { batchDueInMs } from './sink-batching.js';
import { CommitsInOrder } from './sink-commit-order.js';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics.js';
import { validateRecord, type RecordSource, type RowSealer, type StoreWriter } from './store-writer.js';
import type { StoreTable } from './tables.js';

/**
 * Kafka → store. One consumer group over the events, catalog, prompts and alerts topics. Fetched
 * batches are validated, masked and turned into rows while earlier inserts are still running; the
 * writer takes what is queued, from every partition, when it is due (sink-batching.ts), stores it
 * with one insert per table while the batch before may still be inserting, and commits the
 * batches' offsets in the order they were taken, each only once it and every batch before it are
 * stored (at-least-once; the tables collapse redeliveries).
 * While ClickHouse cannot be reached, consumption pauses and the insert is retried with backoff:
 * nothing is skipped. A message that is not a valid event or alert, or a row that ClickHouse
 * refuses to read (found by halving the insert until it stands alone), goes to the dead-letter
 * topic with the reason in its headers, both masked as the writer masks records.
 */

export interface SinkOptions {
  kafka: Kafka;
  topics: TopicNames;
  writer: StoreWriter;
  groupId: string;
  batchRows: number;
  batchBytes: number;
  batchWaitMs: number;
  retryMaxMs: number;
  logger: Logger;
  /** Partitions whose fetched batches are decoded at once (default 4). */
  partitionsConcurrently?: number;
  /** Told when a Kafka consumer stopped for good (kafkajs gave up on it): the service should exit. */
  onConsumerStopped?: (error: Error) => void;
  metrics?: SinkMetrics;
  /** Seals stored rows into the tamper-evident audit log (audit/); none: rows are not sealed. */
  sealer?: RowSealer;
}

export interface RunningSink {
  stop(): Promise<void>;
}

export const DEAD_LETTER_HEADERS = {
  reason: 'mcptap-dead-letter-reason',
  topic: 'mcptap-source-topic',
  partition: 'mcptap-source-partition',
  offset: 'mcptap-source-offset',
  component: 'mcptap-component',
} as const;

interface Source {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

interface Poison extends Source {
  reason: string;
}

interface PendingRow {
  table: StoreTable;
  row: Row;
  source: Source;
  /** What the sealer made of the row, handed back to it once the row is stored. */
  sealed?: unknown;
}

/** Part of one partition's fetched batch, decoded, waiting for the writer. */
interface Chunk {
  topic: string;
  partition: number;
  /** What to commit once the chunk is stored: the offset after its last message. */
  nextOffset: string;
  /** The consumer-group generation the chunk was fetched in; a later one may not own the partition. */
  generation: number;
  rows: PendingRow[];
  poison: Poison[];
  queuedAt: number;
  /** Fetched while the partition was behind the end of its log (sink-batching.ts). */
  behind: boolean;
}

/** Batches being stored at once: ClickHouse parses one while the next one is sent. */
const INSERTS_IN_FLIGHT = 2;
/** Longest a fetch waits at the broker when there is nothing new (a long poll). */
const FETCH_WAIT_MS = 1000;

type Decoded = { ok: true; record: StoredRecord } | { ok: false; reason: string };

export function decodeMessage(value: Buffer | null, source: RecordSource): Decoded {
  if (value === null) return { ok: false, reason: 'empty message (tombstone)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    return { ok: true, record: validateRecord(parsed, source) };
  } catch (error) {
    // zod's messages name the paths and expectations, never the offending values.
    return {
      ok: false,
      reason: `not a valid ${source}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** A poison message's value and reason as they go to the dead-letter topic: masked unless `mask` is null. */
export function deadLetterPayload(
  value: Buffer | null,
  reason: string,
  mask: SecretMasker | null,
): { value: Buffer | null; reason: string } {
  if (mask === null) return { value, reason };
  const text = value?.toString('utf8');
  const masked = text === undefined ? undefined : maskSerialised(text, mask);
  return {
    value: masked === undefined || masked === text ? value : Buffer.from(masked, 'utf8'),
    reason: mask(reason, { truncated: false }),
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles when `wake` does or after `ms` (which may be Infinity), whichever is first. */
async function wakeOrAfter(wake: Promise<void>, ms: number): Promise<void> {
  if (ms === Infinity) return wake;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([wake, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A promise that settles on the next `fire()`: how the writer and the consumer wake each other. */
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

export async function startSink(options: SinkOptions): Promise<RunningSink> {
  const { kafka, topics, writer, logger } = options;
  const metrics = options.metrics ?? createSinkMetrics();
  const inputs = [topics.events, topics.catalog, topics.prompts, topics.alerts];
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    // A fetch returns as soon as there is something: the writer, which knows whether a partition
    // is behind, decides how long rows wait for a fuller batch (sink-batching.ts). A broker-side
    // wait for a batch's worth of bytes would also hold the last rows of a backlog for the whole
    // wait. With nothing to fetch, the broker holds the fetch for FETCH_WAIT_MS.
    minBytes: 1,
    maxBytesPerPartition: options.batchBytes,
    maxWaitTimeInMs: FETCH_WAIT_MS,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
  });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  if (options.onConsumerStopped) whenConsumerGivesUp(consumer, logger, options.onConsumerStopped);
  await consumer.connect();
  await consumer.subscribe({ topics: inputs, fromBeginning: true });

  const queue: Chunk[] = [];
  /** Fired when a chunk is queued, an insert ends, or the sink stops. */
  const wakeWriter = signal();
  const taken = signal();
  /** Records behind the end of each partition (`topic\0partition`) after its last fetch. */
  const lagAfterLastFetch = new Map<string, number>();
  const caughtUp = () => [...lagAfterLastFetch.values()].every((lag) => lag === 0);
  let generation = 0;
  let stopping = false;
  let paused = false;
  /** Writes (inserts, dead letters) whose last attempt failed: consumption resumes when none is left. */
  let failingWrites = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    generation++;
    lagAfterLastFetch.clear();
  });

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

  function countQueuedRows(): number {
    let rows = 0;
    for (const chunk of queue) rows += chunk.rows.length;
    metrics.queuedRows.set(rows);
    return rows;
  }

  /**
   * Runs `attempt` until it succeeds, pausing consumption and backing off in between; false when
   * the sink stops first. `refused` picks the failures that retrying cannot cure: they are returned.
   */
  async function untilDone<T>(
    what: string,
    target: 'clickhouse' | 'dead_letter_topic',
    context: Record<string, unknown>,
    attempt: () => Promise<T>,
    refused: (error: unknown) => boolean = () => false,
  ): Promise<{ done: T } | { refused: unknown } | false> {
    let delay = 200;
    let failing = false;
    try {
      for (let attempts = 1; ; attempts++) {
        try {
          const done = await attempt();
          if (attempts > 1) logger.info(`${what} succeeded again`, { ...context, attempts });
          return { done };
        } catch (error) {
          if (refused(error)) return { refused: error };
          metrics.writeFailures.inc({ target });
          if (!failing) failingWrites++;
          failing = true;
          pause();
          logger.warn(`${what} failed; consumption paused, retrying`, {
            ...context,
            attempt: attempts,
            retry_in_ms: delay,
            error: firstLine(error),
          });
        }
        for (let waited = 0; waited < delay; waited += 1000) {
          if (stopping) return false;
          await sleep(Math.min(1000, delay - waited));
        }
        if (stopping) return false;
        delay = Math.min(delay * 2, options.retryMaxMs);
      }
    } finally {
      if (failing && --failingWrites === 0) {
        resume();
        if (!stopping) logger.info('writes succeed again; consumption resumed');
      }
    }
  }

  async function deadLetter(
    poison: readonly Poison[],
    cause: 'invalid_record' | 'refused_by_clickhouse',
  ): Promise<boolean> {
    const { mask } = writer.options;
    const letters = poison.map(({ topic, partition, message, reason }) => {
      const payload = deadLetterPayload(message.value, reason, mask);
      return {
        key: message.key,
        value: payload.value,
        headers: {
          [DEAD_LETTER_HEADERS.reason]: payload.reason.slice(0, 1000),
          [DEAD_LETTER_HEADERS.topic]: topic,
          [DEAD_LETTER_HEADERS.partition]: String(partition),
          [DEAD_LETTER_HEADERS.offset]: message.offset,
          [DEAD_LETTER_HEADERS.component]: 'sink',
        },
      };
    });
    const sent = await untilDone(
      'sending to the dead-letter topic',
      'dead_letter_topic',
      { messages: poison.length },
      () => producer.send({ topic: topics.deadLetter, acks: -1, messages: letters }),
    );
    if (sent === false) return false;
    metrics.deadLettered.inc({ cause }, poison.length);
    for (const { topic, partition, message, reason } of poison) {
      logger.warn('message sent to the dead-letter topic', {
        topic,
        partition,
        offset: message.offset,
        // ClickHouse quotes the row after ` before: `: logs never carry it, masked or not.
        reason: deadLetterPayload(null, reason.split(' before: ')[0]!.slice(0, 300), mask).reason,
      });
    }
    return true;
  }

  /**
   * Inserts rows of one table; rows ClickHouse refuses to read are found by halving the insert and
   * returned with the reason. Null when the sink stops before ClickHouse took them.
   */
  async function insert(table: StoreTable, rows: readonly PendingRow[]): Promise<Poison[] | null> {
    const result = await untilDone(
      'ClickHouse write',
      'clickhouse',
      { table, rows: rows.length },
      async () => {
        const started = performance.now();
        await writer.insert(
          table,
          rows.map((pending) => pending.row),
        );
        metrics.insertDuration.observe((performance.now() - started) / 1000);
      },
      (error) => valuesRefused(error) !== undefined,
    );
    if (result === false) return null;
    if ('done' in result) {
      metrics.rowsStored.inc({ table }, rows.length);
      options.sealer?.rowsStored(rows.map((pending) => pending.sealed));
      return [];
    }
    if (rows.length === 1) {
      return [{ ...rows[0]!.source, reason: `ClickHouse refused the row: ${firstLine(result.refused)}` }];
    }
    const half = Math.ceil(rows.length / 2);
    const first = await insert(table, rows.slice(0, half));
    const second = first && (await insert(table, rows.slice(half)));
    return first && second && [...first, ...second];
  }

  /** Stores the chunks (dead letters first); false when the sink stops first. */
  async function store(chunks: readonly Chunk[]): Promise<boolean> {
    const poison = chunks.flatMap((chunk) => chunk.poison);
    if (poison.length > 0 && !(await deadLetter(poison, 'invalid_record'))) return false;
    const byTable = new Map<StoreTable, PendingRow[]>();
    for (const chunk of chunks) {
      for (const pending of chunk.rows) {
        let rows = byTable.get(pending.table);
        if (rows === undefined) byTable.set(pending.table, (rows = []));
        rows.push(pending);
      }
    }
    for (const [table, rows] of byTable) {
      const refused = await insert(table, rows);
      if (refused === null || (refused.length > 0 && !(await deadLetter(refused, 'refused_by_clickhouse'))))
        return false;
    }
    return true;
  }

  /** Commits the offsets after the stored chunks, for the partitions this consumer still owns. */
  async function commit(chunks: readonly Chunk[]): Promise<void> {
    const offsets = new Map<string, { topic: string; partition: number; offset: string }>();
    for (const { topic, partition, nextOffset, generation: fetchedIn } of chunks) {
      if (fetchedIn === generation)
        offsets.set(`${topic}\0${partition}`, { topic, partition, offset: nextOffset });
    }
    try {
      if (offsets.size > 0) await consumer.commitOffsets([...offsets.values()]);
    } catch (error) {
      // The rows are stored: a lost commit only means they are delivered (and collapsed) again.
      logger.warn('committing offsets failed; the stored rows will be redelivered', {
        error: firstLine(error),
      });
    }
  }

  /** Up to batchRows queued rows (at least one chunk), in order, out of the queue. */
  function takeBatch(): Chunk[] {
    let rows = queue[0]!.rows.length;
    let count = 1;
    while (count < queue.length && rows + queue[count]!.rows.length <= options.batchRows) {
      rows += queue[count++]!.rows.length;
    }
    const chunks = queue.splice(0, count);
    countQueuedRows();
    taken.fire();
    return chunks;
  }

  /**
   * The writer: takes a batch when the queue is due (sink-batching.ts), stores up to
   * INSERTS_IN_FLIGHT batches at once, and commits them in order (sink-commit-order.ts).
   */
  async function writeQueued(): Promise<void> {
    const limits = { ...options, insertsInFlight: INSERTS_IN_FLIGHT };
    const commits = new CommitsInOrder();
    let running = 0;
    let gaveUp = false;
    while (!gaveUp && !(stopping && queue.length === 0)) {
      const dueIn =
        stopping && queue.length > 0 && running < INSERTS_IN_FLIGHT
          ? 0
          : batchDueInMs(queue, performance.now(), limits, { insertsRunning: running, caughtUp: caughtUp() });
      if (dueIn > 0) {
        await wakeOrAfter(wakeWriter.next(), dueIn);
        continue;
      }
      const chunks = takeBatch();
      running++;
      const stored = store(chunks).then((done) => {
        running--;
        gaveUp ||= !done;
        wakeWriter.fire();
        return done;
      });
      commits.add(stored, () => commit(chunks));
    }
    await commits.settled();
  }

  /** Waits while a batch's worth of rows is already queued; false when the batch must be left. */
  async function roomInQueue(payload: EachBatchPayload): Promise<boolean> {
    for (;;) {
      if (stopping || !payload.isRunning() || payload.isStale()) return false;
      if (countQueuedRows() < options.batchRows) return true;
      await Promise.race([taken.next(), sleep(1000)]);
      await payload.heartbeat();
    }
  }

  const writing = writeQueued();

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConcurrently ?? 4,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const { topic, partition } = batch;
      const source: RecordSource = topic === topics.alerts ? 'alert' : 'event';
      const lag = lagAfterBatch(batch);
      metrics.consumerLag.set(lag, { topic, partition: String(partition) });
      const partitionKey = `${topic}\0${partition}`;
      // Before its first fetch (after a start or a rebalance) a partition may be far behind.
      const behind = (lagAfterLastFetch.get(partitionKey) ?? Infinity) > 0 || lag > 0;
      lagAfterLastFetch.set(partitionKey, lag);
      for (let start = 0; start < batch.messages.length; start += options.batchRows) {
        if (!(await roomInQueue(payload))) return;
        const messages = batch.messages.slice(start, start + options.batchRows);
        const last = messages[messages.length - 1]!;
        const rows: PendingRow[] = [];
        const poison: Poison[] = [];
        for (const message of messages) {
          const decoded = decodeMessage(message.value, source);
          if (decoded.ok) {
            const built = writer.row(decoded.record);
            const sealed = options.sealer?.rowBuilt(built.table, built.row);
            rows.push({ ...built, source: { topic, partition, message }, sealed });
          } else poison.push({ topic, partition, message, reason: decoded.reason });
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
        countQueuedRows();
        wakeWriter.fire();
        // The next fetch starts after this offset; the commit waits for the writer.
        payload.resolveOffset(last.offset);
      }
    },
  });
  logger.info('sink consuming', { topics: inputs, group: options.groupId });

  return {
    async stop() {
      // What is queued is still stored and committed, unless ClickHouse refuses writes.
      stopping = true;
      pause();
      wakeWriter.fire();
      await writing;
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
