// The console's queries on the real local ClickHouse 18.16 (the old-server path), read as the
// read-only analyst user `mcptap console` uses.
import { openStore } from '../../storage/index.js';
import { ensureInfra, uniqueName } from '../support/infra.js';
import { describeConsoleQueries } from './console-query-suite.js';

describeConsoleQueries('console queries on ClickHouse 18.16 (local server, read-only user)', async () => {
  const endpoints = await ensureInfra(['clickhouse']);
  const database = uniqueName('console');
  const store = await openStore({
    url: endpoints.clickhouseUrl,
    username: 'default',
    password: '',
    database,
  });
  const reader = await openStore({ url: endpoints.clickhouseUrl, ...endpoints.clickhouseReader, database });
  return {
    store,
    reader,
    close: async () => {
      await reader.client.close();
      await store.client.close();
    },
  };
});
