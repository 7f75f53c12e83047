// The sink writing into embedded ClickHouse 26.7 (chdb), as the embedded mode's store does: same
// sink, same writer, modern dialect.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../platform/index.js';
import {
  migrate,
  sessionTimeline,
  startSink,
  openEmbeddedStore,
  StoreWriter,
  type RunningSink,
  type Store,
} from '../../storage/index.js';
import { uniqueName, waitFor } from '../support/infra.js';
import {
  committedOffsets,
  kafkaFixture,
  produce,
  recordMessages,
  type KafkaFixture,
} from './sink-harness.js';
import { scriptedSession } from './scenario.js';
import { RETENTION } from './store-suite.js';

describe('sink: Kafka 4.1 → embedded ClickHouse 26.7 (chdb)', () => {
  let dataDir: string;
  let fixture: KafkaFixture;
  let store: Store;
  let sink: RunningSink;
  const groupId = uniqueName('sink-group');

  before(async () => {
    fixture = await kafkaFixture('sink_chdb');
    dataDir = await mkdtemp(join(tmpdir(), 'mcptap-chdb-sink-'));
    store = await openEmbeddedStore(dataDir, uniqueName('sink'));
    assert.equal(store.flavor.modern, true);
    await migrate(store, { retentionDays: RETENTION });
    sink = await startSink({
      kafka: fixture.kafka,
      topics: fixture.topics,
      writer: new StoreWriter(store, { mask: null }),
      groupId,
      batchRows: 100,
      batchBytes: 1 << 20,
      batchWaitMs: 200,
      retryMaxMs: 1000,
      logger: silentLogger,
    });
  });
  after(async () => {
    await sink?.stop();
    await store.client.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores produced events and alerts with every field and millisecond timestamps', async () => {
    const scenario = scriptedSession({
      tenant: 'acme',
      sessionId: uniqueName('s'),
      startMs: Date.UTC(2026, 10, 24, 10, 0, 0, 120),
    });
    const records = [...scenario.events, ...scenario.alerts];
    // Twice: a redelivered record must not show twice.
    await produce(fixture.kafka, recordMessages(fixture.topics, [...records, ...records]));
    const sessionId = scenario.events[0]!.session_id;
    await waitFor(async () => (await committedOffsets(fixture, groupId)) === 2 * records.length, {
      timeoutMs: 30_000,
      description: 'both deliveries consumed and committed',
    });
    const timeline = await sessionTimeline(store, { tenant: 'acme', sessionId });
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
});
