// The store's behaviour, run against a real ClickHouse: the Debian 18.16 server (fallback path,
// store-clickhouse.test.ts) and embedded ClickHouse 26.7 through chdb (modern path,
// store-chdb.test.ts). Same code, same assertions; version detection picks the dialect.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isoTime, type Alert, type McpEvent } from '../../model/index.js';
import {
  alertsByRule,
  catalogChanges,
  destinationsFirstSeen,
  enforceRetention,
  LATEST_SCHEMA_VERSION,
  migrate,
  recentAlerts,
  serversFirstSeen,
  sessionTimeline,
  STORE_TABLES,
  StoreWriter,
  storageSettingsFromEnv,
  toolCallsOverTime,
  toolStats,
  formatTimeline,
  type Store,
  type StoreTable,
} from '../../storage/index.js';
import { QueryBuilder } from '../../storage/query-builder.js';
import { recordToRow } from '../../storage/row-codec.js';
import { TABLE_SPECS } from '../../storage/tables.js';
import { scriptedSession } from './scenario.js';

/** The shipped retention defaults (no environment overrides). */
export const RETENTION: Record<StoreTable, number> = storageSettingsFromEnv({}).retentionDays;

export async function count(store: Store, table: string, where = '1'): Promise<number> {
  const [row] = await (
    await store.client.query({
      query: `SELECT count() AS n FROM ${store.database}.${table} FINAL WHERE ${where}`,
      format: 'JSONEachRow',
    })
  ).json<{ n: string | number }>();
  return Number(row?.n);
}

export function describeStoreSuite(
  name: string,
  open: () => Promise<{ store: Store; close: () => Promise<void> }>,
) {
  describe(name, () => {
    let store: Store;
    let close: () => Promise<void>;
    const startMs = Date.UTC(2026, 10, 24, 10, 0, 0, 120);
    // Recent enough that no TTL removes it, far enough from midnight that it stays in one partition.
    const recentMs = Date.now() - 86_400_000;

    before(async () => {
      ({ store, close } = await open());
    });
    after(async () => {
      await store.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
      await close();
    });

    it('migrates idempotently: a second run applies nothing and records each version once', async () => {
      const first = await migrate(store, { retentionDays: RETENTION });
      assert.deepEqual(first.applied, [1, 2, 3]);
      const second = await migrate(store, { retentionDays: RETENTION });
      assert.deepEqual(second.applied, []);
      assert.deepEqual(second.retentionChanged, []);
      assert.equal(second.version, LATEST_SCHEMA_VERSION);
      const tables = await (
        await store.client.query({ query: `SHOW TABLES FROM ${store.database}`, format: 'JSONEachRow' })
      ).json<{ name: string }>();
      assert.deepEqual(
        tables.map((t) => t.name).sort(),
        [...STORE_TABLES, 'audit_segments', 'schema_migrations'].sort(),
      );
      assert.equal(await count(store, 'schema_migrations'), LATEST_SCHEMA_VERSION);
    });

    it('brings a schema-1 database to the identity columns; rows written before read as no user', async () => {
      const db = store.database;
      const identity = ['user_id', 'team', 'user_source'];
      for (const table of STORE_TABLES) {
        const drop = TABLE_SPECS[table].columns.filter((c) => identity.includes(c.name));
        await store.client.command({
          query: `ALTER TABLE ${db}.${table} ${drop.map((c) => `DROP COLUMN ${c.name}`).join(', ')}`,
        });
      }
      // A database as schema version 1 left it: no record of version 2.
      await store.client.command({ query: `DROP TABLE ${db}.schema_migrations` });
      const old = scriptedSession({ tenant: 'acme', sessionId: 's-schema-1', startMs }).events.find(
        (event) => event.kind === 'tool_call',
      )!;
      const row = recordToRow(TABLE_SPECS.tool_calls, old, store.flavor);
      for (const name of identity) delete row[name];
      await store.client.insert({ table: `${db}.tool_calls`, values: [row], format: 'JSONEachRow' });

      const migrated = await migrate(store, { retentionDays: RETENTION });
      assert.deepEqual(migrated.applied, [1, 2, 3]);
      assert.deepEqual((await migrate(store, { retentionDays: RETENTION })).applied, []);
      const [entry] = await sessionTimeline(store, { tenant: 'acme', sessionId: 's-schema-1' });
      assert.deepEqual(entry?.record, { ...old, user_id: '', team: '', user_source: '' });
    });

    it('stores every field of every kind and replays the session exactly, in ms order, without duplicates', async () => {
      const scenario = scriptedSession({ tenant: 'acme', sessionId: 's-store', startMs });
      const writer = new StoreWriter(store, { mask: null });
      const all = [...scenario.events, ...scenario.alerts];
      await writer.write(all);
      // A redelivery of everything, in another order and split into two inserts.
      await writer.write(all.slice(4).reverse());
      await writer.write(all.slice(0, 4));

      const timeline = await sessionTimeline(store, { tenant: 'acme', sessionId: 's-store' });
      const id = (r: McpEvent | Alert) => ('kind' in r ? r.event_id : r.fingerprint);
      assert.deepEqual(
        timeline.map((e) => id(e.record).replace('s-store-', '')),
        ['e0', 'e1', 'e2', 'fp2', 'e3', 'e4', 'e5', 'e6', 'fp1', 'e7', 'e8'],
      );
      const byId = new Map(all.map((r) => [id(r), r]));
      for (const entry of timeline) {
        assert.deepEqual(entry.record, byId.get(id(entry.record)));
        assert.equal(entry.time_ms, Date.parse(entry.record.time));
      }
      assert.equal(await count(store, 'tool_calls', "session_id = 's-store'"), 2);
      assert.equal(await count(store, 'alerts', "session_id = 's-store'"), 2);

      // Another tenant's session with the same id stays apart.
      const other = scriptedSession({ tenant: 'globex', sessionId: 's-store', startMs });
      await writer.write(other.events.slice(0, 1));
      assert.equal((await sessionTimeline(store, { tenant: 'acme', sessionId: 's-store' })).length, 11);
      assert.equal((await sessionTimeline(store, { sessionId: 's-store' })).length, 12);

      const text = formatTimeline(timeline);
      assert.match(text, /^── turn s-store-t1 ──$/m);
      assert.match(
        text,
        /^10:00:00\.120 {2}user: clean up my notes.* — for alice@example\.com \(team payments, from proxy --user\)$/m,
      );
      assert.match(text, /^10:00:01\.119 {2}call #2 mail\/send_email_fast\(.*\) → ERROR -32602 /m);
      assert.ok(
        !text.includes('\u001b') && !text.includes('\u0000'),
        'control characters from traffic never reach the terminal',
      );
    });

    it('answers the named dashboard queries', async () => {
      const scenario = scriptedSession({ tenant: 'initech', sessionId: 's-queries', startMs: recentMs });
      await new StoreWriter(store, { mask: null }).write([
        ...scenario.events,
        ...scenario.alerts,
        ...scenario.events,
      ]);
      const range = { fromMs: recentMs - 60_000, toMs: recentMs + 60_000 };
      const scope = { tenant: 'initech' };

      const buckets = await toolCallsOverTime(store, { range, scope, bucketSeconds: 3600 });
      assert.deepEqual(
        buckets.map((b) => [b.server_name, b.tool, b.calls, b.errors]),
        [
          ['files', 'read_file', 1, 0],
          ['mail', 'send_email_fast', 1, 1],
        ],
      );
      assert.equal(buckets[0]!.bucket_ms % 3_600_000, 0);

      const stats = await toolStats(store, { range, scope: { ...scope, serverName: 'mail' } });
      assert.deepEqual(stats, [
        {
          server_name: 'mail',
          tool: 'send_email_fast',
          calls: 1,
          errors: 1,
          error_rate: 1,
          p50_ms: 40,
          p90_ms: 40,
          p99_ms: 40,
        },
      ]);

      const drifts = await catalogChanges(store, { range, scope });
      assert.equal(drifts.length, 1);
      assert.deepEqual(
        drifts[0]!.diff,
        scenario.events[2]!.kind === 'catalog' ? scenario.events[2]!.diff : null,
      );

      const servers = await serversFirstSeen(store, { tenant: 'initech' });
      assert.deepEqual(
        servers.map((s) => [s.server_name, s.first_seen_ms - recentMs, s.hosts]),
        [
          ['files', 15, 1],
          ['mail', 999, 1],
        ],
      );
      const destinations = await destinationsFirstSeen(store, { range, tenant: 'initech' });
      assert.deepEqual(destinations, [
        {
          tenant: 'initech',
          dest_host: 'evil.example',
          first_seen_ms: recentMs + 1000,
          last_seen_ms: recentMs + 1000,
          events: 1,
          channels: ['tool_argument'],
          servers: ['mail'],
        },
      ]);

      assert.deepEqual(await alertsByRule(store, { range, tenant: 'initech' }), [
        { rule: 'exfil_chain', severity: 'critical', alerts: 1 },
        { rule: 'rug_pull', severity: 'high', alerts: 1 },
      ]);
      const critical = await recentAlerts(store, { tenant: 'initech', minSeverity: 'critical' });
      assert.deepEqual(critical, [scenario.alerts[0]]);
      assert.deepEqual(
        (await recentAlerts(store, { sessionId: 's-queries', range })).map((a) => a.rule),
        ['exfil_chain', 'rug_pull'],
      );
      assert.deepEqual(await recentAlerts(store, { rule: "rug_pull' OR 1=1 --", tenant: 'initech' }), []);
    });

    it('round-trips hostile strings through the query builder', async () => {
      const values = [
        "it's",
        'back\\slash',
        'nul\u0000byte',
        'tab\tnew\nline\r',
        'ünï😀cödé',
        "\\'; DROP TABLE x; --",
        '\u007f\u001b[0m',
      ];
      for (const value of values) {
        const qb = new QueryBuilder(store.flavor);
        const built = qb.build(`SELECT ${qb.value(value, 'String')} AS v, length(v) AS n`);
        const [row] = await (
          await store.client.query({ ...built, format: 'JSONEachRow' })
        ).json<{ v: string; n: string | number }>();
        assert.equal(row?.v, value);
        assert.equal(Number(row?.n), Buffer.byteLength(value));
      }
    });

    it('stores text with lone UTF-16 surrogates instead of failing the insert forever', async () => {
      const session = scriptedSession({
        tenant: 'acme',
        sessionId: 's-surrogate',
        startMs: Date.parse('2026-11-20T10:00:00.000Z'),
      });
      const call = session.events.find((e) => e.kind === 'tool_call');
      assert.ok(call && call.kind === 'tool_call');
      const cut = 'tag \u{E0041}'.slice(0, -1) + ' end \uDC00 \uD800';
      const poisoned = {
        ...call,
        event_id: `${call.event_id}-surrogate`,
        result: { ...call.result, text: cut },
      };
      await new StoreWriter(store, { mask: null }).write([poisoned]);
      const timeline = await sessionTimeline(store, { tenant: 'acme', sessionId: 's-surrogate' });
      const stored = timeline.find(
        (e) => 'event_id' in e.record && e.record.event_id === poisoned.event_id,
      )?.record;
      assert.ok(stored && 'result' in stored);
      assert.equal(stored.result.text, 'tag \uFFFD end \uFFFD \uFFFD');
      assert.equal(stored.result.sha256, call.result.sha256);
    });

    it('applies retention: TTL on modern servers, dropped partitions on old ones', async () => {
      const old = scriptedSession({
        tenant: 'acme',
        sessionId: 's-old',
        startMs: Date.now() - 400 * 86_400_000,
      });
      const writer = new StoreWriter(store, { mask: null });
      await writer.write(old.events);
      if (store.flavor.modern) {
        const changed = await migrate(store, { retentionDays: { ...RETENTION, prompt_logs: 7, alerts: 0 } });
        assert.deepEqual(changed.retentionChanged.sort(), ['alerts', 'prompt_logs']);
        const [row] = await (
          await store.client.query({
            query: `SELECT engine_full FROM system.tables WHERE database = '${store.database}' AND name = 'prompt_logs'`,
            format: 'JSONEachRow',
          })
        ).json<{ engine_full: string }>();
        assert.match(row!.engine_full, /TTL toDateTime\(time\) \+ toIntervalDay\(7\)/);
        assert.deepEqual(await enforceRetention(store, RETENTION), []);
      } else {
        const dropped = await enforceRetention(store, RETENTION);
        const day = isoTime(Date.now() - 400 * 86_400_000)
          .slice(0, 10)
          .replaceAll('-', '');
        assert.ok(
          dropped.some((d) => d.table === 'tool_calls' && d.partition === day),
          JSON.stringify(dropped),
        );
        assert.equal(await count(store, 'tool_calls', "session_id = 's-old'"), 0);
        assert.ok((await count(store, 'tool_calls', "session_id = 's-store'")) > 0, 'recent rows are kept');
      }
    });
  });
}
