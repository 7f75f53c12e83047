// [16].4: `mcptap migrate` and the tenant readers of MCPTAP_CLICKHOUSE_TENANT_READERS, on the real
// servers we have. ClickHouse 18.16 has no SQL users, no row policies and no row filters in users.xml
// (checked: a <databases><db><table><filter> of a user is ignored, and a view in a database of the
// user's own is refused for reading a database it may not), so migrate must say it could not scope
// readers and exit 1. Embedded ClickHouse 26.7 (chdb) parses every statement migrate would run, but
// keeps its users in a read-only users.xml and cannot log in as another user: migrate reports the
// server's refusal, and no test here can show a row policy enforced.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  migrate,
  openEmbeddedStore,
  openStore,
  STORE_TABLES,
  StoreWriter,
  tenantReaderStatements,
  type Store,
} from '../../storage/index.js';
import { mcptap } from '../local/support.js';
import { ensureInfra, uniqueName } from '../support/infra.js';
import { privateClickHouse, type PrivateClickHouse } from './private-clickhouse.js';
import { scriptedSession } from './scenario.js';
import { RETENTION } from './store-suite.js';

const PASSWORD = 'Tr0ub4dor-s3cret';
const READERS = `acme:acme_reader:${PASSWORD},globex:globex_reader:${PASSWORD}x`;

describe('mcptap migrate with tenant readers on ClickHouse 18.16', () => {
  let store: Store;
  let result: Awaited<ReturnType<typeof mcptap>>;

  before(async () => {
    const { clickhouseUrl } = await ensureInfra(['clickhouse']);
    store = await openStore({
      url: clickhouseUrl,
      username: 'default',
      password: '',
      database: uniqueName('readers'),
    });
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    result = await mcptap(['migrate'], {
      ...env,
      MCPTAP_CLICKHOUSE_URL: clickhouseUrl,
      MCPTAP_CLICKHOUSE_DATABASE: store.database,
      MCPTAP_CLICKHOUSE_TENANT_READERS: READERS,
    });
  });
  after(async () => {
    await store.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
    await store.client.close();
  });

  it('migrates the schema, then exits 1 saying the readers were not created and what to do', async () => {
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /tenant readers: 2 unsupported/);
    assert.match(
      result.stderr,
      /2 tenant reader\(s\) of MCPTAP_CLICKHOUSE_TENANT_READERS .* were NOT created/,
    );
    assert.match(result.stderr, /ClickHouse 18\.16[\d.]* has no SQL users and no row policies/);
    assert.match(result.stderr, /move the store to a ClickHouse with row policies/);
    const tables = await (
      await store.client.query({ query: `SHOW TABLES FROM ${store.database}`, format: 'JSONEachRow' })
    ).json<{ name: string }>();
    for (const table of STORE_TABLES)
      assert.ok(
        tables.some((t) => t.name === table),
        table,
      );
  });

  it('never prints a reader password', () => {
    assert.ok(!`${result.stdout}${result.stderr}`.includes('s3cret'));
  });
});

describe('why: ClickHouse 18.16 has no way to show a user one tenant (a server of the test its own)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-ch-filter-'));
  const database = uniqueName('filter');
  let server: PrivateClickHouse;
  let store: Store;
  const asReader = async (query: string) => {
    const response = await fetch(`${server.url}/?user=acme_reader&password=pw`, {
      method: 'POST',
      body: query,
    });
    return { ok: response.ok, text: await response.text() };
  };

  before(async () => {
    server = await privateClickHouse(dir);
    // What a users.xml row filter looks like where it exists (ClickHouse 19.x on), and a database of
    // views that a user could be confined to instead.
    mkdirSync(join(dir, 'config', 'users.d'), { recursive: true });
    writeFileSync(
      join(dir, 'config', 'users.d', 'acme.xml'),
      `<?xml version="1.0"?><yandex><users><acme_reader>
        <password_sha256_hex>${createHash('sha256').update('pw').digest('hex')}</password_sha256_hex>
        <networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota>
        <allow_databases><database>${database}</database><database>${database}_acme</database></allow_databases>
        <databases><${database}><tool_calls><filter>tenant = 'acme'</filter></tool_calls></${database}></databases>
      </acme_reader></users></yandex>`,
    );
    await server.start();
    store = await openStore({ url: server.url, username: 'default', password: '', database });
    await migrate(store, { retentionDays: RETENTION });
    for (const tenant of ['acme', 'globex']) {
      const scenario = scriptedSession({ tenant, sessionId: 's', startMs: Date.now() - 86_400_000 });
      await new StoreWriter(store, { mask: null }).write(scenario.events);
    }
  });
  after(async () => {
    await store?.client.close();
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ignores a per-user row filter in users.xml: the user reads every tenant', async () => {
    const r = await asReader(`SELECT DISTINCT tenant FROM ${database}.tool_calls ORDER BY tenant`);
    assert.ok(r.ok, r.text);
    assert.equal(r.text, 'acme\nglobex\n');
  });

  it("refuses a view of one tenant to a user who may not read the view's table", async () => {
    await store.client.command({ query: `CREATE DATABASE ${database}_acme` });
    await store.client.command({
      query: `CREATE VIEW ${database}_acme.tool_calls AS SELECT * FROM ${database}.tool_calls WHERE tenant = 'acme'`,
    });
    // Confined to the views' database alone, the user cannot read them either.
    writeFileSync(
      join(dir, 'config', 'users.d', 'acme.xml'),
      `<?xml version="1.0"?><yandex><users><acme_reader>
        <password_sha256_hex>${createHash('sha256').update('pw').digest('hex')}</password_sha256_hex>
        <networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota>
        <allow_databases><database>${database}_acme</database></allow_databases>
      </acme_reader></users></yandex>`,
    );
    const r = await waitForAnswer(() => asReader(`SELECT count() FROM ${database}_acme.tool_calls`));
    assert.equal(r.ok, false);
    assert.match(r.text, new RegExp(`Access denied to database ${database} for user acme_reader`));
  });
});

/** The server reloads users.xml every few seconds: the first answer that shows the new users. */
async function waitForAnswer(
  ask: () => Promise<{ ok: boolean; text: string }>,
): Promise<{ ok: boolean; text: string }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await ask();
    if (!answer.ok || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('tenant readers on embedded ClickHouse 26.7 (chdb)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-readers-'));
  let store: Store;
  before(async () => {
    store = await openEmbeddedStore(dir, 'mcptap');
    await migrate(store, { retentionDays: RETENTION });
  });
  after(async () => {
    await store?.client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses every statement migrate runs for a reader, as the user, grants and policies meant', async () => {
    const statements = tenantReaderStatements(store.database, {
      tenant: "o'brien",
      username: 'obrien_reader',
      password: PASSWORD,
    });
    const formatted: string[] = [];
    for (const statement of statements) {
      const [row] = await (
        await store.client.query({
          query: `SELECT formatQuery(${quote(statement)}) AS q`,
          format: 'JSONEachRow',
        })
      ).json<{ q: string }>();
      formatted.push(row!.q);
    }
    for (const table of STORE_TABLES) {
      assert.ok(formatted.includes(`GRANT SELECT ON mcptap.${table} TO obrien_reader`), table);
      assert.ok(
        formatted.includes(
          `CREATE ROW POLICY OR REPLACE mcptap_tenant_obrien_reader ON mcptap.${table} FOR SELECT USING tenant = 'o\\'brien' TO obrien_reader`,
        ),
        `${table}: ${formatted.find((f) => f.includes(`mcptap.${table} FOR`))}`,
      );
    }
  });

  it("reports the server's refusal to create users, without the password", async () => {
    const result = await migrate(store, {
      retentionDays: RETENTION,
      tenantReaders: [{ tenant: 'acme', username: 'acme_reader', password: PASSWORD }],
    });
    assert.equal(result.tenantReaders.status, 'not-permitted');
    assert.ok(result.tenantReaders.status === 'not-permitted');
    assert.match(result.tenantReaders.reason, /privileges|access storage|user directories/i);
    assert.ok(!result.tenantReaders.reason.includes('s3cret'));
  });
});

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
