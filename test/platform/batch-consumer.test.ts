// The at-least-once batch consumer (platform/kafka/batch-consumer.ts) against the local Kafka 4.1
// (scripts/infra.sh): ordered writes, commits only after the write, pause and backoff while the
// handler fails, poison records to the dead-letter topic in the one format, and a stop in the middle
// of a failing write that commits nothing unwritten — the next consumer of the group gets it all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import {
  createKafka,
  ensureTopics,
  MetricsRegistry,
  readDeadLetter,
  silentLogger,
  startBatchConsumer,
  type Accepted,
  type BatchConsumerMetrics,
  type BatchHandler,
  type ConsumedRecord,
  type Decoded,
  type RunningBatchConsumer,
  type WriteContext,
} from '../../platform/index.js';
import { maskSecretsInText } from '../../secrets/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';

const TOKEN = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';

let kafka: Kafka;
const running: RunningBatchConsumer[] = [];

before(async () => {
  const { kafkaBrokers } = await ensureInfra(['kafka']);
  kafka = createKafka({ brokers: kafkaBrokers, clientId: 'batch-consumer-test' }, { logger: silentLogger });
});

after(async () => {
  for (const consumer of running) await consumer.stop().catch(() => undefined);
});

function metrics(): BatchConsumerMetrics {
  const registry = new MetricsRegistry();
  return {
    consumerLag: registry.gauge('lag', 'lag'),
    queued: registry.gauge('queued', 'queued'),
    paused: registry.gauge('paused', 'paused'),
    writeFailures: registry.counter('write_failures', 'write failures'),
    deadLettered: registry.counter('dead_lettered', 'dead lettered'),
  };
}

/** Records whose value starts with `poison` cannot be decoded; `write` is the test's. */
class TestHandler implements BatchHandler<string> {
  readonly written: string[] = [];
  /** The values of each call of `write`, failed ones included. */
  readonly calls: string[][] = [];
  constructor(
    private readonly onWrite: (batch: readonly string[], context: WriteContext) => Promise<void> = async () =>
      undefined,
  ) {}

  decode(record: ConsumedRecord): Decoded<string> {
    const value = record.value?.toString('utf8') ?? '';
    return value.startsWith('poison') ? { ok: false, reason: `not a number: ${value}` } : { ok: true, value };
  }

  async write(batch: readonly Accepted<string>[], context: WriteContext): Promise<void> {
    const values = batch.map((accepted) => accepted.value);
    this.calls.push(values);
    await this.onWrite(values, context);
    this.written.push(...values);
  }
}

async function topicsFor(name: string): Promise<{ input: string; deadLetter: string; groupId: string }> {
  const prefix = uniqueName(name);
  const topics = {
    input: `${prefix}.input`,
    deadLetter: `${prefix}.dead-letter.v1`,
    groupId: `${prefix}-group`,
  };
  await ensureTopics(kafka, [
    { topic: topics.input, partitions: 1 },
    { topic: topics.deadLetter, partitions: 1 },
  ]);
  return topics;
}

async function produce(topic: string, values: readonly string[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((value, i) => ({ key: `key-${i}`, value })),
    });
  } finally {
    await producer.disconnect();
  }
}

async function committed(topic: string, groupId: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Math.max(0, Number(offsets?.partitions[0]?.offset ?? -1));
  } finally {
    await admin.disconnect();
  }
}

async function start(
  topics: { input: string; deadLetter: string; groupId: string },
  handler: BatchHandler<string>,
  consumerMetrics = metrics(),
  batchRecords = 10,
): Promise<RunningBatchConsumer> {
  const consumer = await startBatchConsumer({
    kafka,
    groupId: topics.groupId,
    topics: [topics.input],
    handler,
    component: 'test',
    deadLetter: { topic: topics.deadLetter, mask: maskSecretsInText },
    logger: silentLogger,
    metrics: consumerMetrics,
    batchRecords,
    batchWaitMs: 0,
    writesInFlight: 2,
    retryMaxMs: 400,
    fetchMaxWaitMs: 200,
    partitionsConcurrently: 1,
  });
  running.push(consumer);
  return consumer;
}

const numbers = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

describe('batch consumer (Kafka 4.1)', () => {
  it('writes every record once, in order, in batches of at most batchRecords, and commits after the write', async () => {
    const topics = await topicsFor('bc_order');
    const batches: number[] = [];
    const handler = new TestHandler(async (batch) => {
      batches.push(batch.length);
    });
    await produce(topics.input, numbers(0, 95));
    const consumer = await start(topics, handler);
    await waitFor(async () => (await committed(topics.input, topics.groupId)) === 95, {
      timeoutMs: 120_000,
      description: 'offsets committed to the end',
    });
    await consumer.stop();
    assert.deepEqual(handler.written, numbers(0, 95));
    assert.ok(
      batches.every((size) => size <= 10),
      `batches ${batches.join(',')}`,
    );
  });

  it('retries a failing write with backoff while paused, and commits only once it succeeded', async () => {
    const topics = await topicsFor('bc_retry');
    const consumerMetrics = metrics();
    let failures = 0;
    let committedWhileFailing = -1;
    const pausedAtAttempt: number[] = [];
    const handler = new TestHandler(async () => {
      pausedAtAttempt.push(consumerMetrics.paused.get());
      if (failures < 3) {
        failures++;
        committedWhileFailing = Math.max(
          committedWhileFailing,
          await committed(topics.input, topics.groupId),
        );
        throw new Error('store unreachable');
      }
    });
    await produce(topics.input, numbers(0, 5));
    const consumer = await start(topics, handler, consumerMetrics);
    await waitFor(async () => (await committed(topics.input, topics.groupId)) === 5, {
      timeoutMs: 120_000,
      description: 'offsets committed after the write succeeded',
    });
    assert.equal(consumerMetrics.paused.get(), 0, 'consumption resumed');
    await consumer.stop();
    assert.equal(committedWhileFailing, 0, 'nothing committed while the write failed');
    assert.deepEqual(handler.calls, Array(4).fill(numbers(0, 5)), 'the same batch retried');
    assert.deepEqual(handler.written, numbers(0, 5));
    assert.deepEqual(pausedAtAttempt, [0, 1, 1, 1], 'consumption paused from the first failure on');
    assert.equal(consumerMetrics.writeFailures.get({ target: 'test' }), 3);
  });

  it('dead-letters poison records in the one format, masked, and writes the rest', async () => {
    const topics = await topicsFor('bc_poison');
    const consumerMetrics = metrics();
    const handler = new TestHandler();
    await produce(topics.input, ['0', `poison {"token":"${TOKEN}"}`, '2', 'poison again', '4']);
    const consumer = await start(topics, handler, consumerMetrics);
    await waitFor(async () => (await committed(topics.input, topics.groupId)) === 5, {
      timeoutMs: 120_000,
      description: 'every offset committed',
    });
    await consumer.stop();
    assert.deepEqual(handler.written, ['0', '2', '4'], 'the handler never sees poison');
    assert.equal(consumerMetrics.deadLettered.get({ cause: 'invalid_record' }), 2);

    const letters = await readTopic(topics.deadLetter, 2);
    const read = letters.map(readDeadLetter);
    assert.deepEqual(
      read.map((l) => [l.source.topic, l.source.partition, l.source.offset, l.key?.toString(), l.component]),
      [
        [topics.input, 0, '1', 'key-1', 'test'],
        [topics.input, 0, '3', 'key-3', 'test'],
      ],
    );
    for (const letter of read) {
      assert.ok(!Number.isNaN(Date.parse(letter.time)), `a time: ${letter.time}`);
      assert.match(letter.reason, /^not a number: poison/);
      assert.ok(!letter.reason.includes(TOKEN) && !letter.value?.toString().includes(TOKEN), 'masked');
    }
    assert.match(read[0]!.value!.toString(), /\[SECRET:github_token:[0-9a-f]+\]/);
    assert.equal(read[1]!.value!.toString(), 'poison again', 'the rest of the payload kept');
  });

  it('stopped during a failing write, commits nothing unwritten; the next consumer of the group gets it', async () => {
    const topics = await topicsFor('bc_stop');
    let failing = false;
    const first = new TestHandler(async (batch) => {
      if (batch.some((value) => Number(value) >= 10)) {
        failing = true;
        throw new Error('store unreachable');
      }
    });
    await produce(topics.input, numbers(0, 25));
    const consumer = await start(topics, first);
    await waitFor(() => failing && first.written.length === 10, {
      timeoutMs: 120_000,
      description: 'the first batch written, the second failing',
    });
    await consumer.stop();
    assert.deepEqual(first.written, numbers(0, 10));
    assert.equal(await committed(topics.input, topics.groupId), 10, 'committed up to what was written');

    const second = new TestHandler();
    const again = await start(topics, second);
    await waitFor(async () => (await committed(topics.input, topics.groupId)) === 25, {
      timeoutMs: 120_000,
      description: 'the rest written by the next consumer',
    });
    await again.stop();
    assert.deepEqual(second.written, numbers(10, 25), 'nothing acknowledged was lost');
  });

  it('stopped while a write is running, waits for it and commits it', async () => {
    const topics = await topicsFor('bc_drain');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const handler = new TestHandler(async () => {
      started = true;
      await released;
    });
    await produce(topics.input, numbers(0, 5));
    const consumer = await start(topics, handler);
    await waitFor(() => started, { timeoutMs: 120_000, description: 'the write started' });
    const stopped = consumer.stop();
    setTimeout(release, 300);
    await stopped;
    assert.deepEqual(handler.written, numbers(0, 5));
    assert.equal(await committed(topics.input, topics.groupId), 5);
  });
});

async function readTopic(topic: string, expected: number) {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  const seen: Parameters<typeof readDeadLetter>[0][] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
      },
    });
    await waitFor(() => seen.length >= expected, { timeoutMs: 30_000, description: `${expected} messages` });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
