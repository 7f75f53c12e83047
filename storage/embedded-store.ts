import { createClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { storeFromClient, type Store } from './store.js';

type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

/**
 * The store on embedded ClickHouse (npm's chdb) behind the same @clickhouse/client, for the
 * embedded mode and tests. chdb is loaded only here, only when called: it is large, and nothing
 * else of the store needs it. One data directory per process (a chdb limit).
 */
export async function openEmbeddedStore(dataDir: string, database: string): Promise<Store> {
  const { createChdbConnection } = await import('chdb/connection');
  // chdb implements @clickhouse/client-common's Connection, which @clickhouse/client 1.23 also
  // bundles as its own copy: the same interface under two declarations.
  const connection = createChdbConnection({ path: dataDir }) as unknown as ClientConnection;
  return storeFromClient(createClient({ connection }), database);
}
