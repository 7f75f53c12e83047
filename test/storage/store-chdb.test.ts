// The store on embedded ClickHouse 26.7 (npm's chdb behind @clickhouse/client): the modern path
// with the tables a server gets, then the embedded tables `mcptap local` stores into.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  migrate,
  openEmbeddedStore,
  STORE_TABLES,
  StoreWriter,
  TABLE_FOR_KIND,
  type Store,
} from '../../storage/index.js';
import { uniqueName } from '../support/infra.js';
import { scriptedSession } from './scenario.js';
import { count, describeStoreSuite, RETENTION } from './store-suite.js';

const dataDir = await mkdtemp(join(tmpdir(), 'mcptap-chdb-'));
const embedded: Store = await openEmbeddedStore(dataDir, uniqueName('store'));
const client = embedded.client;

after(async () => {
  await client.close();
  await rm(dataDir, { recursive: true, force: true });
});

describeStoreSuite('store on embedded ClickHouse 26.7 via chdb (modern path)', async () => {
  const store = embedded;
  assert.equal(store.flavor.modern, true);
  return { store, close: async () => undefined };
});

// The forensic queries read the tables of `mcptap local` the same way, without the skip indexes.
describeStoreSuite('store on embedded ClickHouse 26.7 via chdb, tables of mcptap local', async () => {
  const store = await openEmbeddedStore(dataDir, uniqueName('local'), { embeddedTables: true });
  return { store, close: () => store.client.close() };
});

describe('modern schema on chdb', () => {
  it('uses DateTime64, LowCardinality, codecs, skip indexes and TTL, and reports a reader it may not create', async () => {
    const store: Store = { ...embedded, database: uniqueName('ddl') };
    const result = await migrate(store, {
      retentionDays: RETENTION,
      reader: { username: 'mcptap_reader', password: 'pw' },
    });
    // chdb's default user has no ACCESS MANAGEMENT: the reader is reported, not silently assumed.
    assert.equal(result.reader, 'not-permitted');
    const [row] = await (
      await client.query({ query: `SHOW CREATE TABLE ${store.database}.tool_calls`, format: 'JSONEachRow' })
    ).json<{ statement: string }>();
    const ddl = row!.statement;
    assert.match(ddl, /`time` DateTime64\(3, 'UTC'\)/);
    assert.match(ddl, /`tool` LowCardinality\(String\)/);
    assert.match(ddl, /CODEC\(ZSTD\(6\)\)/);
    assert.match(ddl, /INDEX idx_tool tool TYPE bloom_filter/);
    assert.match(ddl, /INDEX idx_result_tokens result TYPE tokenbf_v1/);
    assert.match(ddl, /TTL toDateTime\(time\) \+ toIntervalDay\(90\)/);
    await client.command({ query: `DROP DATABASE ${store.database}` });
  });
});

describe('embedded tables on chdb (mcptap local)', () => {
  const createStatement = async (store: Store, table: string) => {
    const [row] = await (
      await client.query({ query: `SHOW CREATE TABLE ${store.database}.${table}`, format: 'JSONEachRow' })
    ).json<{ statement: string }>();
    return row!.statement;
  };
  const assertEmbeddedTables = (ddl: string) => {
    assert.match(ddl, /`time` DateTime64\(3, 'UTC'\) CODEC\(Delta\(8\), LZ4\)/);
    assert.match(ddl, /`result` String CODEC\(LZ4\)/);
    assert.match(ddl, /`tool` LowCardinality\(String\)/);
    assert.doesNotMatch(ddl, /ZSTD/);
    assert.doesNotMatch(ddl, /INDEX/);
    assert.match(ddl, /TTL toDateTime\(time\) \+ toIntervalDay\(90\)/);
  };

  it('creates tables with LZ4 codecs, no skip indexes and the TTL', async () => {
    const store = await openEmbeddedStore(dataDir, uniqueName('local'), { embeddedTables: true });
    await migrate(store, { retentionDays: RETENTION });
    assertEmbeddedTables(await createStatement(store, 'tool_calls'));
    await client.command({ query: `DROP DATABASE ${store.database}` });
    await store.client.close();
  });

  it('moves the server tables of an older data directory to them, keeping the rows', async () => {
    const database = uniqueName('older');
    await migrate({ ...embedded, database }, { retentionDays: RETENTION });
    const [event] = scriptedSession({ tenant: 'acme', sessionId: 's-older', startMs: Date.now() }).events;
    await new StoreWriter({ ...embedded, database }, { mask: null }).write([event!]);
    const store = await openEmbeddedStore(dataDir, database, { embeddedTables: true });
    await migrate(store, { retentionDays: RETENTION });
    for (const table of STORE_TABLES) assert.doesNotMatch(await createStatement(store, table), /ZSTD|INDEX/);
    assertEmbeddedTables(await createStatement(store, 'tool_calls'));
    assert.equal(await count(store, TABLE_FOR_KIND[event!.kind]), 1);
    await client.command({ query: `DROP DATABASE ${database}` });
    await store.client.close();
  });
});
