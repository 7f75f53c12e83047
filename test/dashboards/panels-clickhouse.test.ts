// Every panel and variable query on the real local ClickHouse 18.16 (the old-server path of storage),
// read as the read-only analyst user, as Grafana's data source would.
import { createClient } from '@clickhouse/client';
import { openStore } from '../../storage/index.js';
import { ensureInfra, uniqueName } from '../support/infra.js';
import { describePanelSuite } from './panel-suite.js';
import type { Row } from './panel-expectations.js';

describePanelSuite('dashboard panels on ClickHouse 18.16 (local server)', async () => {
  const endpoints = await ensureInfra(['clickhouse']);
  const database = uniqueName('dash');
  const store = await openStore({
    url: endpoints.clickhouseUrl,
    username: 'default',
    password: '',
    database,
  });
  const reader = createClient({
    url: endpoints.clickhouseUrl,
    username: endpoints.clickhouseReader.username,
    password: endpoints.clickhouseReader.password,
    database,
  });
  return {
    store,
    run: async (sql: string) => (await reader.query({ query: sql, format: 'JSONEachRow' })).json<Row>(),
    close: async () => {
      await reader.close();
      await store.client.close();
    },
  };
});
