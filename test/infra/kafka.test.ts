// Integration test against the real Kafka 4.1 broker (KRaft) that scripts/infra.sh runs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import { ensureInfra, uniqueName } from '../support/infra.js';

describe('local Kafka broker (scripts/infra.sh)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const topics: string[] = [];

  before(async () => {
    const { kafkaBrokers } = await ensureInfra(['kafka']);
    kafka = new Kafka({ clientId: 'mcptap-infra-test', brokers: kafkaBrokers, logLevel: logLevel.ERROR });
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  it('creates a topic with the default partition count and round-trips keyed messages', async () => {
    const topic = uniqueName('infra_kafka');
    topics.push(topic);
    assert.equal(await admin.createTopics({ topics: [{ topic }], waitForLeaders: true }), true);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    assert.equal(metadata?.partitions.length, 3, 'num.partitions=3 on the local broker');

    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `session-${i % 4}`, value: `event-${i}` }));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: sent });
    } finally {
      await producer.disconnect();
    }

    const groupId = uniqueName('infra_kafka_group');
    const consumer = kafka.consumer({ groupId });
    const received: { key: string; value: string; partition: number }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`consumed ${received.length} of ${sent.length} messages in 30 s`)),
          30_000,
        );
        consumer
          .run({
            eachMessage: async ({ partition, message }) => {
              received.push({
                key: message.key?.toString() ?? '',
                value: message.value?.toString() ?? '',
                partition,
              });
              if (received.length === sent.length) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]);
    }

    assert.deepEqual(
      received.map(({ key, value }) => ({ key, value })).sort((a, b) => a.value.localeCompare(b.value)),
      [...sent].sort((a, b) => a.value.localeCompare(b.value)),
    );
    // Same key, same partition, in produce order: the per-session ordering the pipeline relies on.
    for (const key of new Set(sent.map((m) => m.key))) {
      const forKey = received.filter((m) => m.key === key);
      assert.equal(new Set(forKey.map((m) => m.partition)).size, 1, `${key} spread over partitions`);
      assert.deepEqual(
        forKey.map((m) => m.value),
        sent.filter((m) => m.key === key).map((m) => m.value),
      );
    }
  });
});
