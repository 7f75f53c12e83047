// The platformatic producer's idempotence against the real Kafka of scripts/infra.sh, after
// KafkaJS's idempotentProduceMessages.spec.js: a connection cut around a produce request (by a
// proxy between producer and broker) must neither lose nor duplicate a record, a sequence gap is
// refused by the broker, and a producer that failed takes a new producer id before it sends again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '@platformatic/kafka';
import {
  createKafka,
  createRecordProducer,
  ensureTopics,
  silentLogger,
  type OutgoingRecord,
  type RecordProducer,
} from '../../platform/index.js';
import { produce } from '../../platform/kafka/produce-request.js';
import { encodeHeaders, encodeRecordBatch } from '../../platform/kafka/record-batch.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { recordTopics } from '../collector/topic-recorder.js';
import { startKafkaFaultProxy, type KafkaFaultProxy, type ProduceFault } from './kafka-fault-proxy.js';

const TIMEOUT_MS = 5000;

let brokers: string[];
const topics: string[] = [];

async function newTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await ensureTopics(createKafka({ brokers, clientId: 'test' }, { logger: silentLogger }), [
    { topic, partitions: 1 },
  ]);
  topics.push(topic);
  return topic;
}

/** Three records per round, all in the one partition, so that the log's order is the send order. */
function round(topic: string, label: string): OutgoingRecord[] {
  return [0, 1, 2].map((i) => ({
    topic,
    key: 'session-1',
    value: `${label}.${i}`,
    headers: { 'mcptap-kind': 'tool_call' },
  }));
}

async function platformaticProducer(bootstrap: string[]): Promise<RecordProducer> {
  const producer = createRecordProducer({
    client: 'platformatic',
    brokers: bootstrap,
    clientId: 'test',
    logger: silentLogger,
    requestTimeoutMs: TIMEOUT_MS,
  });
  await producer.connect();
  return producer;
}

/** Every value in the topic's log, in offset order, once the log's end offset has been read. */
async function logValues(topic: string): Promise<string[]> {
  const admin = createKafka({ brokers, clientId: 'test' }, { logger: silentLogger }).admin();
  await admin.connect();
  const [{ high } = { high: '0' }] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const recorder = await recordTopics(brokers, [topic]);
  try {
    await waitFor(() => recorder.messages.length >= Number(high), {
      timeoutMs: 30_000,
      description: `the ${high} records of ${topic}`,
    });
  } finally {
    await recorder.stop();
  }
  assert.equal(recorder.messages.length, Number(high), 'records read = records in the log');
  return recorder.messages.map((message) => message.value);
}

/** Four sequential rounds through the proxy, the third one meeting `faults`. */
async function sendFourRounds(topic: string, proxy: KafkaFaultProxy, faults: ProduceFault[]) {
  const producer = await platformaticProducer(proxy.brokers);
  try {
    for (const label of ['a', 'b', 'c', 'd']) {
      if (label === 'c') proxy.plan(faults);
      await producer.send(round(topic, label), TIMEOUT_MS);
    }
  } finally {
    await producer.disconnect();
  }
}

const ALL_ROUNDS = ['a', 'b', 'c', 'd'].flatMap((label) => [0, 1, 2].map((i) => `${label}.${i}`));

interface ProtocolError {
  apiId: unknown;
  canRetry: unknown;
}

/** The protocol errors of a failed produce, however @platformatic/kafka nested them. */
function protocolErrors(error: unknown): ProtocolError[] {
  if (error instanceof AggregateError) return error.errors.flatMap(protocolErrors);
  const { apiId, canRetry } = error as Partial<ProtocolError>;
  return apiId === undefined ? [] : [{ apiId, canRetry }];
}

describe('idempotent platformatic producer with Kafka (scripts/infra.sh kafka)', () => {
  let proxy: KafkaFaultProxy;

  before(async () => {
    ({ kafkaBrokers: brokers } = await ensureInfra(['kafka']));
    proxy = await startKafkaFaultProxy(brokers[0]!);
  });

  after(async () => {
    await proxy.close();
    const admin = createKafka({ brokers, clientId: 'test' }, { logger: silentLogger }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  it('resends a produce request cut before the broker saw it; every record is written once, in order', async () => {
    const topic = await newTopic('idempotent_drop_request');
    const before = proxy.produceRequests;
    await sendFourRounds(topic, proxy, ['drop-request']);
    assert.equal(proxy.produceRequests - before, 5, 'four rounds and one resend');
    assert.deepEqual(await logValues(topic), ALL_ROUNDS);
  });

  it('resends a produce request whose answer was lost after the broker appended it; the broker recognises the duplicate', async () => {
    const topic = await newTopic('idempotent_drop_response');
    const before = proxy.produceRequests;
    await sendFourRounds(topic, proxy, ['drop-response', 'drop-response']);
    assert.equal(proxy.produceRequests - before, 6, 'four rounds and two resends');
    assert.deepEqual(await logValues(topic), ALL_ROUNDS);
  });

  for (const faults of [[], ['drop-request'], ['drop-response']] satisfies ProduceFault[][]) {
    it(`writes every record of concurrent sends once${faults.length > 0 ? `, the first request meeting ${faults[0]}` : ''}`, async () => {
      const topic = await newTopic('idempotent_concurrent');
      const producer = await platformaticProducer(proxy.brokers);
      try {
        proxy.plan(faults);
        await Promise.all(
          ['a', 'b', 'c', 'd'].map((label) => producer.send(round(topic, label), TIMEOUT_MS)),
        );
      } finally {
        await producer.disconnect();
      }
      const values = await logValues(topic);
      assert.deepEqual([...values].sort(), ALL_ROUNDS);
      for (const label of ['a', 'b', 'c', 'd']) {
        const ofRound = values.filter((value) => value.startsWith(`${label}.`));
        assert.deepEqual(
          ofRound,
          [0, 1, 2].map((i) => `${label}.${i}`),
          'a round in its order',
        );
      }
    });
  }

  it('refuses a batch that skips sequence numbers with OUT_OF_ORDER_SEQUENCE_NUMBER and appends none of it', async () => {
    const topic = await newTopic('idempotent_sequence_gap');
    const client = new Producer({ clientId: 'test', bootstrapBrokers: brokers, retries: 0 });
    try {
      const metadata = await client.metadata({ topics: [topic] });
      const leader = metadata.brokers.get(metadata.topics.get(topic)!.partitions[0]!.leader)!;
      const connection = await client.connections.get(leader);
      const { producerId, producerEpoch } = await client.initIdempotentProducer({});
      const identity = { id: producerId, epoch: producerEpoch };
      const headers = encodeHeaders({});
      const batch = (values: string[], baseSequence: number) => {
        const records = values.map((value) => ({
          partition: 0,
          key: Buffer.from('k'),
          value: Buffer.from(value),
          headers,
        }));
        const bytes = encodeRecordBatch(records, identity, baseSequence, BigInt(Date.now()));
        return [{ name: topic, partitions: [{ index: 0, batch: bytes }] }];
      };
      await produce.async(connection, -1, TIMEOUT_MS, batch(['0', '1'], 0));
      const gap = await produce.async(connection, -1, TIMEOUT_MS, batch(['gap'], 5)).then(
        () => assert.fail('a batch with sequence 5 after 0..1 was accepted'),
        (error: unknown) => error,
      );
      // Not retriable: the producer fails the round and takes a new producer id (test below).
      assert.deepEqual(protocolErrors(gap), [{ apiId: 'OUT_OF_ORDER_SEQUENCE_NUMBER', canRetry: false }]);
      await produce.async(connection, -1, TIMEOUT_MS, batch(['2'], 2));
    } finally {
      await client.close();
    }
    assert.deepEqual(await logValues(topic), ['0', '1', '2']);
  });

  it('takes a new producer id after a round that failed with an unknown outcome; sequences restart, no record is lost', async () => {
    const topic = await newTopic('idempotent_new_producer_id');
    const producer = await platformaticProducer(proxy.brokers);
    try {
      await producer.send(round(topic, 'a'), TIMEOUT_MS);
      // Every attempt of round b is appended by the broker, and every answer is lost.
      proxy.plan(Array<ProduceFault>(10).fill('drop-response'));
      await assert.rejects(producer.send(round(topic, 'b'), TIMEOUT_MS));
      proxy.plan([]);
      // Same record count as b: under b's producer id and sequences the broker would take c for
      // a duplicate of b, acknowledge it and drop it.
      await producer.send(round(topic, 'c'), TIMEOUT_MS);
    } finally {
      await producer.disconnect();
    }
    const second = await platformaticProducer(brokers);
    try {
      await second.send(round(topic, 'd'), TIMEOUT_MS);
    } finally {
      await second.disconnect();
    }
    // b was written once (its resends were duplicates) although its sender was told it failed:
    // a caller that sends it again writes it twice, which is at-least-once beyond one producer id.
    assert.deepEqual(await logValues(topic), ALL_ROUNDS);
  });
});
