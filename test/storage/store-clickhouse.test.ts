// The store on the real ClickHouse 18.16 server from scripts/infra.sh (fallback path), and its
// read-only analyst user.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { migrate, openStore, StoreWriter, type Store } from '../../storage/index.js';
import { scriptedSession } from './scenario.js';
import { ensureInfra, uniqueName } from '../support/infra.js';
import { describeStoreSuite, RETENTION } from './store-suite.js';

describeStoreSuite('store on the ClickHouse 18.16 server (fallback path)', async () => {
  const { clickhouseUrl } = await ensureInfra(['clickhouse']);
  const store = await openStore({
    url: clickhouseUrl,
    username: 'default',
    password: '',
    database: uniqueName('store'),
  });
  assert.equal(store.flavor.modern, false);
  return { store, close: () => store.client.close() };
});

describe('read-only user mcptap_reader on ClickHouse 18.16', () => {
  let store: Store;
  let reader: ClickHouseClient;

  before(async () => {
    const { clickhouseUrl, clickhouseReader } = await ensureInfra(['clickhouse']);
    store = await openStore({
      url: clickhouseUrl,
      username: 'default',
      password: '',
      database: uniqueName('reader'),
    });
    await migrate(store, { retentionDays: RETENTION });
    reader = createClient({
      url: clickhouseUrl,
      ...clickhouseReader,
      log: { level: ClickHouseLogLevel.OFF },
    });
  });
  after(async () => {
    await store.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
    await store.client.close();
    await reader.close();
  });

  it('can SELECT from the tables and is refused INSERT and CREATE', async () => {
    const [row] = await (
      await reader.query({
        query: `SELECT count() AS n FROM ${store.database}.tool_calls`,
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    assert.equal(row?.n, '0');
    await assert.rejects(
      reader.insert({
        table: `${store.database}.alerts`,
        values: [{ fingerprint: 'x' }],
        format: 'JSONEachRow',
      }),
      /Code: 164\b.*readonly/i,
    );
    await assert.rejects(
      reader.command({ query: `CREATE TABLE ${store.database}.forbidden (id UInt32) ENGINE = Memory` }),
      /Code: 164\b.*readonly/i,
    );
  });
});

describe('mcptap session (CLI) on ClickHouse 18.16', () => {
  it('prints a stored session as text grouped by turn, and as JSON', async () => {
    const { clickhouseUrl } = await ensureInfra(['clickhouse']);
    const store = await openStore({
      url: clickhouseUrl,
      username: 'default',
      password: '',
      database: uniqueName('cli'),
    });
    try {
      await migrate(store, { retentionDays: RETENTION });
      const scenario = scriptedSession({
        tenant: 'acme',
        sessionId: 's-cli',
        startMs: Date.UTC(2026, 10, 24, 10, 0, 0, 120),
      });
      await new StoreWriter(store, { mask: null }).write([...scenario.events, ...scenario.alerts]);
      const env = {
        ...process.env,
        MCPTAP_CLICKHOUSE_URL: clickhouseUrl,
        MCPTAP_CLICKHOUSE_DATABASE: store.database,
      };
      const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mcptap.js');
      const text = execFileSync(process.execPath, [bin, 'session', 's-cli', '--tenant', 'acme'], {
        env,
        encoding: 'utf8',
      });
      const lines = text.trim().split('\n');
      assert.equal(lines[0], '── turn s-cli-t1 ──');
      assert.equal(lines.length, 1 + 11);
      assert.match(lines[1]!, /^10:00:00\.120 {2}user: clean up my notes/);
      assert.match(lines.at(-1)!, /^10:00:01\.621 {2}turn end \(inferred\)$/);
      const json = JSON.parse(
        execFileSync(process.execPath, [bin, 'session', 's-cli', '--format', 'json'], {
          env,
          encoding: 'utf8',
        }),
      ) as { table: string; time_ms: number; event_id?: string; fingerprint?: string }[];
      assert.deepEqual(
        json.map((e) => e.event_id ?? e.fingerprint),
        ['e0', 'e1', 'e2', 'fp2', 'e3', 'e4', 'e5', 'e6', 'fp1', 'e7', 'e8'].map((id) => `s-cli-${id}`),
      );
    } finally {
      await store.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
      await store.client.close();
    }
  });
});
