// `mcptap migrate --cluster` on a real ClickHouse cluster: two 18.16 replicas of one shard and a
// ZooKeeper (scripts/infra.sh start clickhouse-cluster). The clustered schema is created on both
// replicas, the sink's writer goes through the Distributed tables, rows written on one replica are
// read on the other, and the read-only user still reads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Alert, McpEvent } from '../../model/index.js';
import {
  openStore,
  sessionTimeline,
  STORE_TABLES,
  StoreWriter,
  TABLE_SPECS,
  type Store,
} from '../../storage/index.js';
import { recordToRow } from '../../storage/row-codec.js';
import { scriptedSession } from '../storage/scenario.js';
import {
  ensureInfra,
  infraRunning,
  stopInfra,
  uniqueName,
  waitFor,
  type InfraEndpoints,
} from '../support/infra.js';
import { mcptap } from '../local/support.js';

const TABLES = [...STORE_TABLES, 'audit_segments', 'schema_migrations'];

function runMigrate(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return mcptap(['migrate', ...args], { ...(process.env as Record<string, string>), ...env });
}

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

async function countFinal(client: ClickHouseClient, table: string, where: string): Promise<number> {
  const [row] = await rows<{ n: string }>(client, `SELECT count() AS n FROM ${table} FINAL WHERE ${where}`);
  return Number(row?.n);
}

describe('the clustered schema on two ClickHouse 18.16 replicas with ZooKeeper', () => {
  let infra: InfraEndpoints;
  let cluster: string;
  let replicas: ClickHouseClient[];
  let stores: Store[];
  /** The profile is left as found: stopped after the test if it started it. */
  let wasRunning = true;
  const database = uniqueName('cluster');
  const startMs = Date.UTC(2026, 10, 24, 10, 0, 0, 120);

  before(async () => {
    wasRunning = await infraRunning('clickhouse-cluster');
    infra = await ensureInfra(['clickhouse-cluster']);
    cluster = infra.clickhouseCluster.name;
    replicas = infra.clickhouseCluster.replicaUrls.map((url) => createClient({ url }));
  });

  after(async () => {
    await replicas[0]
      ?.command({ query: `DROP DATABASE IF EXISTS ${database} ON CLUSTER ${cluster}` })
      .catch(() => undefined);
    for (const store of stores ?? []) await store.client.close();
    for (const client of replicas ?? []) await client.close();
    if (!wasRunning) await stopInfra('clickhouse-cluster');
  });

  it('migrate --cluster creates replicated local tables and Distributed tables on both replicas', async () => {
    const [url1, url2] = infra.clickhouseCluster.replicaUrls as [string, string];
    const env = { MCPTAP_CLICKHOUSE_URL: url1, MCPTAP_CLICKHOUSE_DATABASE: database };
    const first = await runMigrate(env, ['--cluster', cluster]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`cluster ${cluster} .*applied: 1, 2, 3`));

    // Again on the other replica: the versions applied are replicated too, so nothing is re-run.
    const second = await runMigrate({ ...env, MCPTAP_CLICKHOUSE_URL: url2 }, ['--cluster', cluster]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /applied: none/);
    // Without the cluster the sink would write around it: refused, as is the other way round.
    const unclustered = await runMigrate(env, []);
    assert.equal(unclustered.code, 1);
    assert.match(unclustered.stderr, /holds the clustered schema .*MCPTAP_CLICKHOUSE_CLUSTER/);
    const single = uniqueName('single');
    const plain = await runMigrate({ ...env, MCPTAP_CLICKHOUSE_DATABASE: single }, []);
    assert.equal(plain.code, 0, plain.stderr);
    try {
      const refused = await runMigrate({ ...env, MCPTAP_CLICKHOUSE_DATABASE: single }, [
        '--cluster',
        cluster,
      ]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /holds the single-server schema, not cluster mcptap_cluster's/);
    } finally {
      await replicas[0]!.command({ query: `DROP DATABASE IF EXISTS ${single}` });
    }

    for (const [n, client] of replicas.entries()) {
      const tables = await rows<{ name: string; engine: string; engine_full: string }>(
        client,
        `SELECT name, engine, engine_full FROM system.tables WHERE database = '${database}'`,
      );
      const engineOf = new Map(tables.map((t) => [t.name, t]));
      for (const table of TABLES) {
        assert.equal(
          engineOf.get(`${table}_local`)?.engine,
          'ReplicatedReplacingMergeTree',
          `${table}_local`,
        );
        assert.equal(engineOf.get(table)?.engine, 'Distributed', table);
        assert.match(
          engineOf.get(table)!.engine_full,
          new RegExp(`Distributed\\(${cluster}, ${database}, ${table}_local`),
        );
      }
      const copies = await rows<{ table: string; zookeeper_path: string; replica_name: string }>(
        client,
        `SELECT table, zookeeper_path, replica_name FROM system.replicas WHERE database = '${database}'`,
      );
      assert.equal(copies.length, TABLES.length);
      for (const copy of copies) {
        // The {shard} and {replica} macros, expanded per server.
        assert.equal(
          copy.zookeeper_path,
          `/clickhouse/tables/01/${database}/${copy.table.replace(/_local$/, '')}`,
        );
        assert.equal(copy.replica_name, `replica-${n + 1}`);
      }
    }
  });

  it("the sink's writer stores through the Distributed tables once per event, read on either replica", async () => {
    stores = await Promise.all(
      infra.clickhouseCluster.replicaUrls.map((url) =>
        openStore({ url, username: 'default', password: '', database, cluster }),
      ),
    );
    const [store1, store2] = stores as [Store, Store];
    const scenario = scriptedSession({ tenant: 'acme', sessionId: 's-cluster', startMs });
    const all: Array<McpEvent | Alert> = [...scenario.events, ...scenario.alerts];
    const writer = new StoreWriter(store1, { mask: null });
    await writer.write(all);
    // A redelivery, as after a sink restart: collapses with the first copy on its shard.
    await writer.write(all.slice(2));

    const timeline = await sessionTimeline(store2, { tenant: 'acme', sessionId: 's-cluster' });
    assert.equal(timeline.length, all.length);
    // Replication: each replica's own table holds every row (read there, not through Distributed).
    for (const client of replicas) {
      await waitFor(
        async () =>
          (await countFinal(client, `${database}.tool_calls_local`, "session_id = 's-cluster'")) === 2,
        { timeoutMs: 30_000, description: 'tool calls replicated to both replicas' },
      );
      assert.equal(
        await countFinal(client, `${database}.alerts_local`, "session_id = 's-cluster'"),
        scenario.alerts.length,
      );
    }
  });

  it('a row written into replica 1 is read on replica 2', async () => {
    const [store1] = stores as [Store, Store];
    const [replica1, replica2] = replicas as [ClickHouseClient, ClickHouseClient];
    const event = scriptedSession({ tenant: 'acme', sessionId: 's-replicated', startMs }).events.find(
      (e) => e.kind === 'tool_call',
    )!;
    await replica1.insert({
      table: `${database}.tool_calls_local`,
      values: [recordToRow(TABLE_SPECS.tool_calls, event, store1.flavor)],
      format: 'JSONEachRow',
    });
    await waitFor(
      async () =>
        (await countFinal(replica2, `${database}.tool_calls_local`, "session_id = 's-replicated'")) === 1,
      { timeoutMs: 30_000, description: 'the row on replica 2' },
    );
  });

  it('the read-only user reads through the Distributed tables and may not write; tenant readers are refused as on one 18.16 server', async () => {
    const reader = createClient({
      url: infra.clickhouseCluster.replicaUrls[1],
      username: infra.clickhouseReader.username,
      password: infra.clickhouseReader.password,
      // The refusal below is expected; the client would log it as an error.
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      assert.equal(await countFinal(reader, `${database}.tool_calls`, "session_id = 's-cluster'"), 2);
      await assert.rejects(
        reader.command({ query: `CREATE TABLE ${database}.nope (x UInt8) ENGINE = Memory` }),
        /readonly|Cannot (execute|create)/i,
      );
    } finally {
      await reader.close();
    }
    const refused = await runMigrate(
      {
        MCPTAP_CLICKHOUSE_URL: infra.clickhouseCluster.replicaUrls[0]!,
        MCPTAP_CLICKHOUSE_DATABASE: database,
        MCPTAP_CLICKHOUSE_TENANT_READERS: 'acme:acme_reader:acme-password',
      },
      ['--cluster', cluster],
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /tenant reader\(s\) .* were NOT created: ClickHouse 18\.16/);
    assert.doesNotMatch(refused.stderr + refused.stdout, /acme-password/);
  });
});
