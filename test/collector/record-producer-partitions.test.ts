// Both producer clients against the real Kafka of scripts/infra.sh: a key lands in the same
// partition whichever client wrote it (Java's murmur2 partitioner), so a session's events stay in
// one ordered stream when the collector's client changes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKafka, createRecordProducer, ensureTopics, silentLogger } from '../../platform/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { recordTopics } from './topic-recorder.js';

describe('record producers with Kafka (scripts/infra.sh kafka)', () => {
  it('put each key in the same partition with platformatic and with kafkajs', async () => {
    const { kafkaBrokers: brokers } = await ensureInfra(['kafka']);
    const topics = {
      platformatic: uniqueName('partitions_platformatic'),
      kafkajs: uniqueName('partitions_kafkajs'),
    };
    await ensureTopics(
      createKafka({ brokers, clientId: 'test' }, { logger: silentLogger }),
      Object.values(topics).map((topic) => ({ topic, partitions: 7 })),
    );
    const keys = Array.from({ length: 40 }, (_, i) => `tenant-${i % 3}/session-${i}`);
    const headers = { 'mcptap-kind': 'tool_call' };
    for (const client of ['platformatic', 'kafkajs'] as const) {
      const producer = createRecordProducer({
        client,
        brokers,
        clientId: 'test',
        logger: silentLogger,
        requestTimeoutMs: 5000,
      });
      await producer.connect();
      // Twice, so that keys and headers the platformatic producer remembers are used again.
      for (let round = 0; round < 2; round++) {
        await producer.send(
          keys.map((key) => ({ topic: topics[client], key, value: `{"round":${round}}`, headers })),
          5000,
        );
      }
      await producer.disconnect();
    }
    const recorder = await recordTopics(brokers, Object.values(topics));
    try {
      await waitFor(() => recorder.messages.length === keys.length * 4, {
        timeoutMs: 30_000,
        description: 'every record read back',
      });
    } finally {
      await recorder.stop();
    }
    const partitionOf = (topic: string) => {
      const byKey = new Map<string, Set<number>>();
      for (const message of recorder.messages.filter((m) => m.topic === topic)) {
        assert.deepEqual(message.headers, headers);
        assert.match(message.value, /^\{"round":[01]\}$/);
        byKey.set(message.key, (byKey.get(message.key) ?? new Set()).add(message.partition));
      }
      return Object.fromEntries([...byKey].map(([key, partitions]) => [key, [...partitions]]));
    };
    const platformatic = partitionOf(topics.platformatic);
    assert.deepEqual(platformatic, partitionOf(topics.kafkajs));
    assert.equal(Object.keys(platformatic).length, keys.length);
    assert.ok(new Set(Object.values(platformatic).flat()).size > 1, 'keys spread over partitions');
  });
});
