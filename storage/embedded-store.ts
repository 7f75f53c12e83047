import { createClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { storeFromClient, type Store } from './store.js';
import type { StoreTable } from './tables.js';

type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

export interface EmbeddedStoreOptions {
  /**
   * Migrate to the tables of `mcptap local` (LZ4, no skip indexes; see ServerFlavor); without it,
   * the tables a server gets, as the tests that stand chdb in for a server want.
   */
  embeddedTables?: boolean;
  /**
   * Start-up arguments of the process's one engine (clickhouse-local's command-line form: caches,
   * memory limit, threads). They take effect only when this is the first connection of the process.
   */
  engineArgs?: readonly string[];
}

export interface EmbeddedStore extends Store {
  /**
   * Inserts JSONEachRow bytes (StoreWriter.encode) as they are: chdb parses the buffer where it
   * lies, where the client would turn it into a query string that chdb then encodes again.
   */
  insertJsonEachRow(table: StoreTable, body: Buffer): Promise<void>;
}

/**
 * The store on embedded ClickHouse (npm's chdb) behind the same @clickhouse/client, for the
 * embedded mode and tests. chdb is loaded only here, only when called: it is large, and nothing
 * else of the store needs it. One data directory per process (a chdb limit).
 */
export async function openEmbeddedStore(
  dataDir: string,
  database: string,
  options: EmbeddedStoreOptions = {},
): Promise<EmbeddedStore> {
  const { createChdbConnection } = await import('chdb/connection');
  // The connection factory takes no engine arguments: a session opened first with them starts the
  // engine, and the connection joins it. It is closed with the client.
  const starter =
    options.engineArgs === undefined || options.engineArgs.length === 0
      ? undefined
      : new (await import('chdb')).Session(dataDir, { connectionArgs: options.engineArgs });
  const connection = createChdbConnection({ path: dataDir });
  // chdb implements @clickhouse/client-common's Connection, which @clickhouse/client 1.23 also
  // bundles as its own copy: the same interface under two declarations.
  const client = createClient({ connection: connection as unknown as ClientConnection });
  if (starter !== undefined) {
    const closeClient = client.close.bind(client);
    client.close = async () => {
      await closeClient();
      starter.close();
    };
  }
  const store = await storeFromClient(client, database);
  return {
    ...store,
    flavor: options.embeddedTables ? { ...store.flavor, embeddedTables: true } : store.flavor,
    insertJsonEachRow: async (table, body) => {
      await connection.chdb.rawInsert({ table: `${database}.${table}`, values: body, format: 'JSONEachRow' });
    },
  };
}
