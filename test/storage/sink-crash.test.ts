// `mcptap sink` killed with SIGKILL in the middle of its work, then restarted: at-least-once
// delivery plus idempotent tables means no event is missing and none is counted twice.
// Real Kafka, real ClickHouse 18.16, the sink as a child process (bin/mcptap.js).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { isoTime, type McpEvent } from '../../model/index.js';
import { openStore, type Store } from '../../storage/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { committedOffsets, kafkaFixture, produce, recordMessages } from './sink-harness.js';
import { scriptedSession } from './scenario.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function startSinkProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'mcptap.js'), 'sink'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', () => undefined);
  return child;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('sink killed mid-batch (SIGKILL) and restarted', () => {
  let store: Store | undefined;
  const children: ChildProcess[] = [];
  after(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    await store?.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
    await store?.client.close();
  });

  it('loses no event and counts none twice', async () => {
    const { clickhouseUrl } = await ensureInfra(['kafka', 'clickhouse']);
    const fixture = await kafkaFixture('sink_crash');
    const database = uniqueName('sink_crash');
    const groupId = uniqueName('sink-crash-group');
    const env = {
      MCPTAP_KAFKA_BROKERS: fixture.brokers.join(','),
      MCPTAP_TOPIC_PREFIX: fixture.prefix,
      MCPTAP_CLICKHOUSE_URL: clickhouseUrl,
      MCPTAP_CLICKHOUSE_DATABASE: database,
      MCPTAP_SINK_GROUP_ID: groupId,
      MCPTAP_SINK_BATCH_ROWS: '25',
      MCPTAP_SINK_BATCH_WAIT_MS: '100',
      MCPTAP_STORE_SECRETS_UNMASKED: 'true',
      MCPTAP_LOG_LEVEL: 'warn',
    };

    // 300 sessions of 9 events and 2 alerts each: 3,300 records over four topics.
    const records: (McpEvent | import('../../model/index.js').Alert)[] = [];
    const startMs = Date.UTC(2026, 10, 24, 9, 0, 0, 1);
    for (let i = 0; i < 300; i++) {
      const s = scriptedSession({ tenant: 'crash', sessionId: `crash-${i}`, startMs: startMs + i * 2000 });
      records.push(...s.events, ...s.alerts);
    }
    await produce(fixture.kafka, recordMessages(fixture.topics, records));

    const first = startSinkProcess(env);
    children.push(first);
    store = await waitFor(
      async () => openStore({ url: clickhouseUrl, username: 'default', password: '', database }),
      { timeoutMs: 30_000, description: 'ClickHouse' },
    );
    const db = store;
    const rawCount = async () => {
      const [row] = await (
        await db.client.query({
          query: `SELECT sum(n) AS n FROM (
                    SELECT count() AS n FROM ${database}.tool_calls UNION ALL SELECT count() AS n FROM ${database}.turns
                    UNION ALL SELECT count() AS n FROM ${database}.alerts UNION ALL SELECT count() AS n FROM ${database}.prompt_logs)`,
          format: 'JSONEachRow',
        })
      ).json<{ n: string | number }>();
      return Number(row?.n ?? 0);
    };
    const before = await waitFor(
      async () => {
        const n = await rawCount().catch(() => 0);
        return n > 0 ? n : 0;
      },
      { timeoutMs: 60_000, intervalMs: 20, description: 'the first rows stored' },
    );
    first.kill('SIGKILL');
    await exited(first);
    const stored = await rawCount();
    const offsets = await committedOffsets(fixture, groupId);
    assert.ok(stored < 300 * 7, `killed mid-way (${before} rows when killed, ${stored} after)`);
    assert.ok(offsets < records.length, `offsets committed when killed: ${offsets}`);

    const metricsPort = await freePort();
    const second = startSinkProcess({ ...env, MCPTAP_SINK_METRICS_LISTEN: `127.0.0.1:${metricsPort}` });
    children.push(second);
    await waitFor(async () => (await committedOffsets(fixture, groupId)) === records.length, {
      timeoutMs: 120_000,
      intervalMs: 250,
      description: 'every record consumed after the restart',
    });
    // What an operator's Prometheus sees of the restarted sink.
    const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const storedSinceRestart = [...scrape.matchAll(/^mcptap_sink_rows_stored_total\{table="\w+"\} (\d+)$/gm)];
    assert.ok(storedSinceRestart.length >= 4, scrape);
    assert.ok(storedSinceRestart.reduce((sum, m) => sum + Number(m[1]), 0) >= records.length - stored);
    const lags = [...scrape.matchAll(/^mcptap_sink_consumer_lag\{.*\} (\d+)$/gm)];
    assert.ok(lags.length > 0 && lags.every((m) => m[1] === '0'), scrape);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status, 200);
    second.kill('SIGTERM');
    await exited(second);
    assert.equal(second.exitCode, 0, 'the sink stops cleanly on SIGTERM');

    const perTable = async (table: string) => {
      const [row] = await (
        await db.client.query({
          query: `SELECT count() AS n, uniqExact(${table === 'alerts' ? 'fingerprint' : 'event_id'}) AS ids FROM ${database}.${table} FINAL`,
          format: 'JSONEachRow',
        })
      ).json<{ n: string | number; ids: string | number }>();
      return [Number(row?.n), Number(row?.ids)];
    };
    const expected: Record<string, number> = {
      turns: 600,
      prompt_logs: 300,
      catalog_snapshots: 300,
      content_reads: 300,
      tool_calls: 600,
      egress_events: 300,
      assistant_outputs: 300,
      alerts: 600,
    };
    for (const [table, n] of Object.entries(expected)) {
      assert.deepEqual(await perTable(table), [n, n], table);
    }
    // Spot-check the last session end to end.
    const last = records.filter((r) => r.session_id === 'crash-299');
    assert.equal(last.length, 11);
    const [row] = await (
      await db.client.query({
        query: `SELECT toUInt64(time) * 1000 + time_ms AS ms FROM ${database}.turns FINAL WHERE event_id = 'crash-299-e8'`,
        format: 'JSONEachRow',
      })
    ).json<{ ms: string }>();
    assert.equal(
      isoTime(Number(row?.ms)),
      last.find((r) => 'kind' in r && r.event_id === 'crash-299-e8')!.time,
    );
  });
});
