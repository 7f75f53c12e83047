// ClickHouse going away under load: the sink pauses, retries, and catches up once the server is
// back, with nothing lost and nothing counted twice. Uses a private ClickHouse 18.16 server
// (killed and restarted by the test) and the shared local Kafka.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Alert, McpEvent } from '../../model/index.js';
import { createLogger } from '../../platform/index.js';
import {
  migrate,
  openStore,
  startSink,
  StoreWriter,
  type RunningSink,
  type Store,
} from '../../storage/index.js';
import { uniqueName, waitFor } from '../support/infra.js';
import { privateClickHouse, type PrivateClickHouse } from './private-clickhouse.js';
import { committedOffsets, kafkaFixture, produce, recordMessages } from './sink-harness.js';
import { scriptedSession } from './scenario.js';
import { count, RETENTION } from './store-suite.js';

describe('sink while ClickHouse is unavailable (private ClickHouse 18.16 server, killed and restarted)', () => {
  let dir: string;
  let server: PrivateClickHouse | undefined;
  let store: Store | undefined;
  let sink: RunningSink | undefined;
  after(async () => {
    await sink?.stop();
    await store?.client.close();
    await server?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('waits, then catches up: every event stored exactly once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcptap-ch-outage-'));
    server = await privateClickHouse(dir);
    await server.start();
    const fixture = await kafkaFixture('sink_outage');
    const groupId = uniqueName('sink-outage-group');
    store = await openStore({ url: server.url, username: 'default', password: '', database: 'mcptap' });
    await migrate(store, { retentionDays: RETENTION });
    const warnings: string[] = [];
    const logger = createLogger('sink', { write: (line) => warnings.push(line), level: 'warn' });
    sink = await startSink({
      kafka: fixture.kafka,
      topics: fixture.topics,
      writer: new StoreWriter(store, { mask: null }),
      groupId,
      batchRows: 50,
      batchBytes: 1 << 20,
      batchWaitMs: 100,
      retryMaxMs: 1000,
      logger,
    });

    const batch = (from: number, to: number) => {
      const records: (McpEvent | Alert)[] = [];
      for (let i = from; i < to; i++) {
        const s = scriptedSession({
          tenant: 'outage',
          sessionId: `o-${i}`,
          startMs: Date.UTC(2026, 10, 24, 8, 0, 0, i),
        });
        records.push(...s.events, ...s.alerts);
      }
      return records;
    };
    const firstWave = batch(0, 50);
    await produce(fixture.kafka, recordMessages(fixture.topics, firstWave));
    await waitFor(async () => (await committedOffsets(fixture, groupId)) === firstWave.length, {
      timeoutMs: 30_000,
      description: 'the first wave stored',
    });

    await server.kill();
    const secondWave = batch(50, 250);
    await produce(fixture.kafka, recordMessages(fixture.topics, secondWave));
    await waitFor(() => warnings.some((w) => w.includes('ClickHouse write failed')), {
      timeoutMs: 30_000,
      description: 'the sink noticing the outage',
    });
    // Down for a while under load: nothing is committed past what ClickHouse acknowledged.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(await committedOffsets(fixture, groupId), firstWave.length);

    await server.start();
    const total = firstWave.length + secondWave.length;
    await waitFor(async () => (await committedOffsets(fixture, groupId)) === total, {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'the sink catching up after the outage',
    });
    assert.equal(await count(store, 'tool_calls'), 250 * 2);
    assert.equal(await count(store, 'turns'), 250 * 2);
    assert.equal(await count(store, 'alerts'), 250 * 2);
    assert.equal(await count(store, 'prompt_logs'), 250);
  });
});
