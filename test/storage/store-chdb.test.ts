// The store on embedded ClickHouse 26.7 (npm's chdb behind @clickhouse/client): the modern path,
// the same engine the embedded mode (`mcptap local`) stores into.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate, openEmbeddedStore, type Store } from '../../storage/index.js';
import { uniqueName } from '../support/infra.js';
import { describeStoreSuite, RETENTION } from './store-suite.js';

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
