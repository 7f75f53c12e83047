// The Kafka → ClickHouse sink against the real local Kafka and the ClickHouse 18.16 server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../platform/index.js';
import {
  DEAD_LETTER_HEADERS,
  createSinkMetrics,
  STORE_TABLES,
  sessionTimeline,
  startSink,
  StoreWriter,
  type RunningSink,
  type Store,
} from '../../storage/index.js';
import { maskSecrets } from '../../secrets/index.js';
import { uniqueName, waitFor } from '../support/infra.js';
import {
  dropStore,
  kafkaFixture,
  migratedStore,
  produce,
  readDeadLetters,
  recordMessages,
  type KafkaFixture,
} from './sink-harness.js';
import { scriptedSession } from './scenario.js';
import { count } from './store-suite.js';

describe('sink: Kafka 4.1 → ClickHouse 18.16', () => {
  let fixture: KafkaFixture;
  let store: Store;
  let sink: RunningSink;
  const metrics = createSinkMetrics();

  before(async () => {
    fixture = await kafkaFixture('sink');
    store = await migratedStore('sink');
    sink = await startSink({
      kafka: fixture.kafka,
      topics: fixture.topics,
      writer: new StoreWriter(store, { mask: maskSecrets }),
      groupId: uniqueName('sink-group'),
      batchRows: 100,
      batchBytes: 1 << 20,
      batchWaitMs: 200,
      retryMaxMs: 1000,
      logger: silentLogger,
      metrics,
    });
  });
  after(async () => {
    await sink?.stop();
    await dropStore(store);
  });

  it('stores produced events and alerts with every field and millisecond timestamps', async () => {
    const scenario = scriptedSession({
      tenant: 'acme',
      sessionId: uniqueName('s'),
      startMs: Date.UTC(2026, 10, 24, 10, 0, 0, 120),
    });
    const records = [...scenario.events, ...scenario.alerts];
    await produce(fixture.kafka, recordMessages(fixture.topics, records));
    const sessionId = scenario.events[0]!.session_id;
    const timeline = await waitFor(
      async () => {
        const t = await sessionTimeline(store, { tenant: 'acme', sessionId });
        return t.length === records.length ? t : null;
      },
      { timeoutMs: 30_000, description: 'every produced record in ClickHouse' },
    );
    const key = (r: (typeof records)[number]) => ('kind' in r ? r.event_id : r.fingerprint);
    assert.deepEqual(
      timeline.map((e) => e.record).sort((a, b) => (key(a) < key(b) ? -1 : 1)),
      [...records].sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    );
    assert.deepEqual(
      timeline.map((e) => e.time_ms),
      records.map((r) => Date.parse(r.time)).sort((a, b) => a - b),
    );
  });

  it('sends malformed messages to the dead-letter topic with the reason and keeps going', async () => {
    const good = scriptedSession({
      tenant: 'acme',
      sessionId: uniqueName('s'),
      startMs: Date.UTC(2026, 10, 24, 11, 0, 0, 5),
    });
    const invalid = { ...good.events[4]!, time: 'yesterday' };
    const messages = recordMessages(fixture.topics, good.events.slice(0, 3));
    const events = messages.get(fixture.topics.events) ?? [];
    messages.set(fixture.topics.events, [
      { key: 'k', value: '{not json' },
      { key: 'k', value: JSON.stringify(invalid) },
      ...events,
    ]);
    messages.set(fixture.topics.alerts, [{ key: 'a', value: JSON.stringify({ rule: 'x' }) }]);
    await produce(fixture.kafka, messages);

    const letters = await readDeadLetters(fixture, 3);
    const reasons = letters.map((l) => l.headers[DEAD_LETTER_HEADERS.reason] ?? '').sort();
    assert.match(reasons[0]!, /^not JSON: /);
    assert.match(reasons[1]!, /^not a valid alert: /);
    assert.match(reasons[2]!, /^not a valid event: .*time/);
    assert.ok(
      letters.some((l) => l.value === '{not json'),
      'the original bytes are kept',
    );
    assert.ok(letters.every((l) => l.headers[DEAD_LETTER_HEADERS.topic]?.startsWith(fixture.prefix)));

    const sessionId = good.events[0]!.session_id;
    await waitFor(async () => (await sessionTimeline(store, { sessionId })).length === 3, {
      timeoutMs: 30_000,
      description: 'the valid events after the poison ones',
    });
    assert.equal(await count(store, 'tool_calls', `event_id = '${invalid.event_id}'`), 0);
  });

  it('masks secrets at rest: a private key and AWS keys appear in no String column of any table', async () => {
    const scenario = scriptedSession({
      tenant: 'acme',
      sessionId: uniqueName('s'),
      startMs: Date.UTC(2026, 10, 24, 12, 0, 0, 1),
      withSecrets: true,
    });
    const records = [...scenario.events, ...scenario.alerts];
    await produce(fixture.kafka, recordMessages(fixture.topics, records));
    const sessionId = scenario.events[0]!.session_id;
    const timeline = await waitFor(
      async () => {
        const t = await sessionTimeline(store, { sessionId });
        return t.length === records.length ? t : null;
      },
      { timeoutMs: 30_000, description: 'the session with secrets stored' },
    );
    // Fragments that survive JSON escaping and truncation: the AWS values, and each base64 line of the key.
    const [privateKey, ...others] = scenario.secrets;
    const fragments = [
      ...others,
      ...privateKey!.split('\n').filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line)),
    ];
    assert.ok(fragments.length > 10);
    const columns = await (
      await store.client.query({
        query: `SELECT table, name, type FROM system.columns WHERE database = '${store.database}' AND type LIKE '%String%'`,
        format: 'JSONEachRow',
      })
    ).json<{ table: string; name: string; type: string }>();
    assert.ok(columns.length > 50, `scanned ${columns.length} columns`);
    for (const { table, name, type } of columns) {
      for (const fragment of fragments) {
        const literal = `'${fragment.replace(/[\\']/g, (c) => `\\${c}`)}'`;
        const test = type.startsWith('Array')
          ? `arrayExists(x -> position(x, ${literal}) > 0, ${name})`
          : `position(${name}, ${literal}) > 0`;
        assert.equal(await count(store, table, test), 0, `${table}.${name} holds a secret`);
      }
    }
    const call = timeline.find((e) => 'kind' in e.record && e.record.kind === 'tool_call')!.record;
    const original = scenario.events.find((e) => e.kind === 'tool_call')!;
    assert.ok('kind' in call && call.kind === 'tool_call' && original.kind === 'tool_call');
    assert.match(call.result.text, /\[SECRET:private_key:[0-9a-f]+\]/);
    assert.equal(call.result.sha256, original.result.sha256, 'the hash of the original is kept');
  });

  it('counts what it stored and dead-lettered, and how far behind it is, in its metrics', async () => {
    let stored = 0;
    for (const table of STORE_TABLES) stored += await count(store, table);
    assert.equal(metrics.rowsStored.total(), stored);
    assert.equal(metrics.deadLettered.get({ cause: 'invalid_record' }), 3);
    assert.equal(metrics.writeFailures.total(), 0);
    assert.equal(metrics.queuedRows.get(), 0);
    assert.equal(metrics.consumerLag.get({ topic: fixture.topics.events, partition: '0' }), 0);
    assert.ok(metrics.insertDuration.count >= 1);
    assert.match(metrics.registry.render(), /^mcptap_sink_rows_stored_total\{table="tool_calls"\} \d+$/m);
  });
});
