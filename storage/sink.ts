import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { TopicNames } from '../model/index.js';
import type { Logger } from '../platform/index.js';
import type { StoredRecord } from './row-codec.js';
import { validateRecord, type RecordSource, type StoreWriter } from './store-writer.js';

/**
 * Kafka → store. One consumer group over the events, catalog, prompts and alerts topics; each
 * fetched batch is validated, written through the StoreWriter in chunks, and only then are its
 * offsets committed (at-least-once; the tables collapse redeliveries). While ClickHouse refuses
 * writes, consumption pauses and the write is retried with backoff: nothing is skipped. A message
 * that is not a valid event or alert goes to the dead-letter topic with the reason in its headers.
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
  /**
   * Partitions written at once (default 4). Each partition's offsets are still committed only
   * after its own rows were acknowledged; concurrency overlaps one partition's ClickHouse insert
   * with the fetching and decoding of the others.
   */
  partitionsConcurrently?: number;
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

interface Poison {
  message: KafkaMessage;
  reason: string;
}

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

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSink(options: SinkOptions): Promise<RunningSink> {
  const { kafka, topics, writer, logger } = options;
  const inputs = [topics.events, topics.catalog, topics.prompts, topics.alerts];
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    // The broker holds a fetch until a batch's worth of bytes is there or the wait is over:
    // batches are bounded by size under load and by time when traffic is light.
    minBytes: options.batchBytes,
    maxBytesPerPartition: options.batchBytes,
    maxWaitTimeInMs: options.batchWaitMs,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
  });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: inputs, fromBeginning: true });

  async function deadLetter(batch: EachBatchPayload['batch'], poison: readonly Poison[]): Promise<void> {
    await producer.send({
      topic: topics.deadLetter,
      acks: -1,
      messages: poison.map(({ message, reason }) => ({
        key: message.key,
        value: message.value,
        headers: {
          [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
          [DEAD_LETTER_HEADERS.topic]: batch.topic,
          [DEAD_LETTER_HEADERS.partition]: String(batch.partition),
          [DEAD_LETTER_HEADERS.offset]: message.offset,
          [DEAD_LETTER_HEADERS.component]: 'sink',
        },
      })),
    });
    for (const { message, reason } of poison) {
      logger.warn('message sent to the dead-letter topic', {
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        reason: reason.slice(0, 300),
      });
    }
  }

  /** Writes until ClickHouse acknowledges; false when the sink is stopping or lost the partition. */
  async function writeUntilStored(
    records: readonly StoredRecord[],
    payload: EachBatchPayload,
  ): Promise<boolean> {
    let delay = 200;
    let paused = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await writer.write(records);
          if (paused) logger.info('ClickHouse accepts writes again; resuming', { attempts: attempt });
          return true;
        } catch (error) {
          if (!paused) {
            consumer.pause(inputs.map((topic) => ({ topic })));
            paused = true;
          }
          logger.warn('ClickHouse write failed; consumption paused, retrying', {
            attempt,
            rows: records.length,
            retry_in_ms: delay,
            error: firstLine(error),
          });
        }
        for (let waited = 0; waited < delay; waited += 1000) {
          await sleep(Math.min(1000, delay - waited));
          if (!payload.isRunning() || payload.isStale()) return false;
          await payload.heartbeat();
        }
        delay = Math.min(delay * 2, options.retryMaxMs);
      }
    } finally {
      if (paused) consumer.resume(inputs.map((topic) => ({ topic })));
    }
  }

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConcurrently ?? 4,
    eachBatch: async (payload) => {
      const { batch } = payload;
      const source: RecordSource = batch.topic === topics.alerts ? 'alert' : 'event';
      for (let start = 0; start < batch.messages.length; start += options.batchRows) {
        if (!payload.isRunning() || payload.isStale()) return;
        const chunk = batch.messages.slice(start, start + options.batchRows);
        const records: StoredRecord[] = [];
        const poison: Poison[] = [];
        for (const message of chunk) {
          const decoded = decodeMessage(message.value, source);
          if (decoded.ok) records.push(decoded.record);
          else poison.push({ message, reason: decoded.reason });
        }
        if (poison.length > 0) await deadLetter(batch, poison);
        if (records.length > 0 && !(await writeUntilStored(records, payload))) return;
        payload.resolveOffset(chunk[chunk.length - 1]!.offset);
        await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
        await payload.heartbeat();
      }
    },
  });
  logger.info('sink consuming', { topics: inputs, group: options.groupId });

  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
