// The sink and the detectors dead-letter in one format (platform/kafka/dead-letter.ts), on the local
// Kafka 4.1 and ClickHouse 18.16 (scripts/infra.sh): both consume the same unusable records from the
// events topic, and their dead letters differ only in the component that wrote them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlertNotifier, DetectorsRuntime, defaultRules } from '../../detectors/index.js';
import { DEAD_LETTER_HEADERS, readDeadLetter, silentLogger, type DeadLetter } from '../../platform/index.js';
import { maskSecretsInText } from '../../secrets/index.js';
import { startSink, StoreWriter, type RunningSink, type Store } from '../../storage/index.js';
import {
  dropStore,
  kafkaFixture,
  migratedStore,
  produce,
  type KafkaFixture,
} from '../storage/sink-harness.js';
import { uniqueName, waitFor } from '../support/infra.js';

const TOKEN = 'ghp_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';

describe('dead letters of the sink and the detectors (Kafka 4.1, ClickHouse 18.16)', () => {
  let fixture: KafkaFixture;
  let store: Store;
  let sink: RunningSink | undefined;
  let detectors: DetectorsRuntime | undefined;

  before(async () => {
    fixture = await kafkaFixture('dlq_format');
    store = await migratedStore('dlq_format');
  });

  after(async () => {
    await sink?.stop().catch(() => undefined);
    await detectors?.stop().catch(() => undefined);
    await dropStore(store);
  });

  it('have one format: source, key, masked payload and reason, component and time', async () => {
    const { topics } = fixture;
    sink = await startSink({
      kafka: fixture.kafka,
      topics,
      writer: new StoreWriter(store, { mask: maskSecretsInText }),
      groupId: uniqueName('dlq_sink'),
      batchRows: 100,
      batchBytes: 1 << 20,
      batchWaitMs: 100,
      retryMaxMs: 1000,
      logger: silentLogger,
    });
    detectors = new DetectorsRuntime({
      kafka: fixture.kafka,
      topics,
      groupId: uniqueName('dlq_detectors'),
      rules: defaultRules(),
      notifier: new AlertNotifier({ alertmanagerUrl: '', resendIntervalMs: 60_000, logger: silentLogger }),
      logger: silentLogger,
      topicSettings: { partitions: 3, replicationFactor: 1, retentionMs: -1, maxMessageBytes: 1_048_576 },
      tickIntervalMs: 60_000,
    });
    await detectors.start();

    const unusable = [
      { key: 'session-a', value: `{"token":"${TOKEN}", not json` },
      { key: 'session-b', value: JSON.stringify({ kind: 'tool_call', token: TOKEN }) },
    ];
    await produce(fixture.kafka, new Map([[topics.events, unusable]]));

    const letters: DeadLetter[] = [];
    const reader = fixture.kafka.consumer({ groupId: uniqueName('dlq_reader'), maxWaitTimeInMs: 200 });
    await reader.connect();
    const headerNames: string[][] = [];
    try {
      await reader.subscribe({ topic: topics.deadLetter, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          headerNames.push(Object.keys(message.headers ?? {}).sort());
          letters.push(readDeadLetter(message));
        },
      });
      await waitFor(() => letters.length >= 4, {
        timeoutMs: 90_000,
        description: 'two dead letters from each component',
      });
    } finally {
      await reader.disconnect();
    }

    assert.equal(letters.length, 4);
    const expectedHeaders = Object.values(DEAD_LETTER_HEADERS).sort();
    for (const names of headerNames) assert.deepEqual(names, expectedHeaders, 'the same headers, no others');
    for (const letter of letters) {
      assert.equal(letter.source.topic, topics.events);
      assert.ok(!Number.isNaN(Date.parse(letter.time)));
      assert.ok(!letter.value?.toString().includes(TOKEN), `payload masked: ${letter.value?.toString()}`);
      assert.ok(!letter.reason.includes(TOKEN), 'reason masked');
      assert.match(
        letter.value!.toString(),
        /\[SECRET:github_token:[0-9a-f]+\]/,
        'the rest of the payload kept',
      );
    }
    const bySource = new Map<string, DeadLetter[]>();
    for (const letter of letters) {
      const id = `${letter.source.partition}/${letter.source.offset}`;
      bySource.set(id, [...(bySource.get(id) ?? []), letter]);
    }
    assert.equal(bySource.size, 2, 'each unusable record dead-lettered by both components');
    for (const [id, pair] of bySource) {
      assert.deepEqual(pair.map((l) => l.component).sort(), ['detectors', 'sink'], id);
      const [a, b] = pair as [DeadLetter, DeadLetter];
      assert.deepEqual(a.key, b.key, 'the original key');
      assert.deepEqual(a.value, b.value, 'the same masked payload');
      assert.equal(a.reason, b.reason, 'the same reason');
    }
    assert.deepEqual([...bySource.values()].map((pair) => pair[0]!.key?.toString()).sort(), [
      'session-a',
      'session-b',
    ]);
  });
});
