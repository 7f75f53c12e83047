// The console's queries on embedded ClickHouse 26.7 (npm's chdb), the store of `mcptap local`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore } from '../../storage/index.js';
import { uniqueName } from '../support/infra.js';
import { describeConsoleQueries } from './console-query-suite.js';

describeConsoleQueries('console queries on embedded ClickHouse 26.7 (chdb)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'mcptap-console-chdb-'));
  const store = await openEmbeddedStore(dataDir, uniqueName('console'));
  return {
    store,
    reader: store,
    close: async () => {
      await store.client.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
