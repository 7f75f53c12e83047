// [16].4: a reader of a store holding several tenants names the tenant, and sees only that tenant.
// `mcptap session` and `mcptap alerts` as an operator runs them, against the real ClickHouse 18.16
// server (MCPTAP_CLICKHOUSE_URL) and against a `mcptap local` data directory (embedded ClickHouse
// 26.7 through chdb), each holding the same session id in two tenants.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DATABASE, startLocal, storeDir, type RunningLocal } from '../../local/start-local.js';
import {
  migrate,
  openEmbeddedStore,
  openStore,
  storedTenantCount,
  StoreWriter,
  type Store,
} from '../../storage/index.js';
import { mcptap } from '../local/support.js';
import { ensureInfra, uniqueName } from '../support/infra.js';
import { scriptedSession } from './scenario.js';
import { RETENTION } from './store-suite.js';

const SESSION = 's-shared-id';
const startMs = Date.now() - 86_400_000;

/** The same session id in tenants acme and globex (and, when asked, nothing else). */
async function fill(store: Store, tenants: readonly string[]): Promise<void> {
  await migrate(store, { retentionDays: RETENTION });
  for (const [i, tenant] of tenants.entries()) {
    const scenario = scriptedSession({ tenant, sessionId: SESSION, startMs: startMs + i * 60_000 });
    await new StoreWriter(store, { mask: null }).write([...scenario.events, ...scenario.alerts]);
  }
}

interface Reads {
  /** Runs `mcptap ARGS` against the store. */
  run(args: string[]): ReturnType<typeof mcptap>;
}

function describeTenantScope(
  name: string,
  open: (tenants: readonly string[]) => Promise<Reads & { close(): Promise<void> }>,
) {
  describe(name, () => {
    let two: Reads & { close(): Promise<void> };
    let one: Reads & { close(): Promise<void> };
    before(async () => {
      two = await open(['acme', 'globex']);
      one = await open(['acme']);
    });
    after(async () => {
      await two?.close();
      await one?.close();
    });

    for (const command of [['session', SESSION], ['alerts']]) {
      it(`mcptap ${command[0]} refuses to read a store of two tenants without --tenant, printing none of it`, async () => {
        const r = await two.run([...command, '--format', 'json']);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /holds events of 2 tenants: name the one to read with --tenant TENANT/);
        assert.equal(r.stdout, '');
        assert.doesNotMatch(r.stderr, /acme|globex|s-shared-id-e/);
      });

      it(`mcptap ${command[0]} --tenant prints that tenant's records only`, async () => {
        for (const tenant of ['acme', 'globex']) {
          const r = await two.run([...command, '--tenant', tenant, '--format', 'json']);
          assert.equal(r.code, 0, r.stderr);
          const records = JSON.parse(r.stdout) as Array<{ tenant: string }>;
          assert.ok(records.length > 0);
          assert.deepEqual([...new Set(records.map((record) => record.tenant))], [tenant]);
        }
      });

      it(`mcptap ${command[0]} reads a single-tenant store without --tenant`, async () => {
        const r = await one.run([...command, '--format', 'json']);
        assert.equal(r.code, 0, r.stderr);
        const records = JSON.parse(r.stdout) as Array<{ tenant: string }>;
        assert.ok(records.length > 0);
        assert.deepEqual([...new Set(records.map((record) => record.tenant))], ['acme']);
      });
    }
  });
}

describeTenantScope('tenant-scoped reads on the ClickHouse 18.16 server', async (tenants) => {
  const { clickhouseUrl } = await ensureInfra(['clickhouse']);
  const store = await openStore({
    url: clickhouseUrl,
    username: 'default',
    password: '',
    database: uniqueName('tenants'),
  });
  await fill(store, tenants);
  assert.equal(await storedTenantCount(store), tenants.length);
  const env = {
    ...process.env,
    MCPTAP_CLICKHOUSE_URL: clickhouseUrl,
    MCPTAP_CLICKHOUSE_DATABASE: store.database,
  };
  return {
    run: (args) => mcptap(args, env as Record<string, string>),
    close: async () => {
      await store.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
      await store.client.close();
    },
  };
});

describeTenantScope(
  'tenant-scoped reads on a mcptap local data directory (embedded ClickHouse 26.7)',
  async (tenants) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-tenants-'));
    const store = await openEmbeddedStore(storeDir(dataDir), LOCAL_DATABASE, { embeddedTables: true });
    try {
      await fill(store, tenants);
      assert.equal(await storedTenantCount(store), tenants.length);
    } finally {
      await store.client.close();
    }
    const env: Record<string, string> = { MCPTAP_DATA_DIR: dataDir };
    for (const [key, value] of Object.entries(process.env))
      if (value !== undefined && key !== 'MCPTAP_CLICKHOUSE_URL') env[key] ??= value;
    return {
      run: (args) => mcptap([...args, '--data', dataDir], env),
      close: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
);

describe('tenant-scoped reads through a running mcptap local (its control API, embedded ClickHouse 26.7)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-tenants-running-'));
  let local: RunningLocal;
  const env: Record<string, string> = {};
  before(async () => {
    for (const [key, value] of Object.entries(process.env))
      if (value !== undefined && key !== 'MCPTAP_CLICKHOUSE_URL') env[key] = value;
    local = await startLocal({ dataDir, listen: '127.0.0.1:0' });
    // A data directory that once received another tenant's events (a changed key, an import).
    for (const [i, tenant] of ['local', 'globex'].entries()) {
      const scenario = scriptedSession({ tenant, sessionId: SESSION, startMs: startMs + i * 60_000 });
      await new StoreWriter(local.store, { mask: null }).write([...scenario.events, ...scenario.alerts]);
    }
  });
  after(async () => {
    await local?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('mcptap session and alerts refuse without --tenant and read one tenant with it', async () => {
    for (const command of [['session', SESSION], ['alerts']]) {
      const refused = await mcptap([...command, '--data', dataDir, '--format', 'json'], env);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(
        refused.stderr,
        /answered 400 .*holds events of 2 tenants: name the one to read with --tenant/,
      );
      assert.equal(refused.stdout, '');
      const read = await mcptap(
        [...command, '--data', dataDir, '--tenant', 'globex', '--format', 'json'],
        env,
      );
      assert.equal(read.code, 0, read.stderr);
      const records = JSON.parse(read.stdout) as Array<{ tenant: string }>;
      assert.ok(records.length > 0);
      assert.deepEqual([...new Set(records.map((record) => record.tenant))], ['globex']);
    }
  });
});
