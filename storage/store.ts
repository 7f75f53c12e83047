import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { TablePlace } from './cluster-schema.js';
import type { ClickHouseSettings } from './config.js';
import { detectFlavor, type ServerFlavor } from './server-flavor.js';
import { errorMessage } from '../model/index.js';

/**
 * A connected store: the ClickHouse client (a server over HTTP, or chdb embedded behind the same
 * client), the dialect it speaks, and the database holding our tables. Every table is named with
 * its database, so the client needs no default database (it may not exist before `migrate`).
 */
export interface Store extends TablePlace {
  client: ClickHouseClient;
  flavor: ServerFlavor;
  database: string;
}

export async function storeFromClient(
  client: ClickHouseClient,
  database: string,
  cluster?: string,
): Promise<Store> {
  return {
    client,
    flavor: await detectFlavor(client),
    database,
    ...(cluster === undefined ? {} : { cluster }),
  };
}

export async function openStore(settings: ClickHouseSettings): Promise<Store> {
  const client = createClient({
    url: settings.url,
    username: settings.username,
    password: settings.password,
    request_timeout: 60_000,
    // A socket idle past its TTL may already be closed by the server; reusing it fails the insert
    // with EPIPE, which the sink answers by pausing and backing off. A busy event loop makes that
    // common under load, so such sockets are dropped before use instead.
    keep_alive: { eagerly_destroy_stale_sockets: true },
    // Every failure is thrown to the caller, which logs it in our format; the client's own log would
    // print each one again, with the start of the refused rows' data.
    log: { level: ClickHouseLogLevel.OFF },
    // Through a Distributed table, an insert is answered only once the shard has stored it: the sink
    // commits its Kafka offsets after the insert, so nothing it acknowledged waits in a local queue.
    ...(settings.cluster === undefined ? {} : { clickhouse_settings: { insert_distributed_sync: 1 } }),
  });
  try {
    return await storeFromClient(client, settings.database, settings.cluster);
  } catch (error) {
    await client.close();
    throw new Error(
      `cannot reach ClickHouse at ${settings.url} as ${settings.username}: ${errorMessage(error)} ` +
        `(check MCPTAP_CLICKHOUSE_URL/USER/PASSWORD, or start it with 'bash scripts/infra.sh start clickhouse')`,
    );
  }
}

export function tableName(store: Store, table: string): string {
  return `${store.database}.${table}`;
}
