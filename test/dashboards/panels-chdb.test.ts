// Every panel and variable query on embedded ClickHouse 26.7 (npm's chdb): the modern path of
// storage (DateTime64, LowCardinality), the SQL a current ClickHouse server runs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../../storage/index.js';
import { uniqueName } from '../support/infra.js';
import type { Row } from './panel-expectations.js';
import { describePanelSuite } from './panel-suite.js';

describePanelSuite('dashboard panels on embedded ClickHouse 26.7 (chdb)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'mcptap-dash-chdb-'));
  const store = await openEmbeddedStore(dataDir, uniqueName('dash'));
  let selected = false;
  return {
    store,
    // chdb ignores the client's `database` setting; its session keeps the one chosen with USE.
    run: async (sql: string) => {
      if (!selected) {
        await store.client.command({ query: `USE ${store.database}` });
        selected = true;
      }
      return (await store.client.query({ query: sql, format: 'JSONEachRow' })).json<Row>();
    },
    close: async () => {
      await store.client.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
