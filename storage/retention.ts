import { isoTime } from '../model/index.js';
import { onCluster, storageTable } from './cluster-schema.js';
import { sqlLiteral } from './sql-literal.js';
import type { Store } from './store.js';
import { STORE_TABLES, type StoreTable } from './tables.js';

export interface DroppedPartition {
  table: StoreTable;
  partition: string;
}

/**
 * Retention on servers without TTL: drops the daily partitions (toYYYYMMDD(time)) that lie wholly
 * before each table's cutoff. Modern servers expire rows by TTL, so this does nothing there.
 */
export async function enforceRetention(
  store: Store,
  retentionDays: Readonly<Record<StoreTable, number>>,
  nowMs: number = Date.now(),
): Promise<DroppedPartition[]> {
  if (store.flavor.modern) return [];
  const parts = await (
    await store.client.query({
      query: `SELECT DISTINCT table, partition FROM system.parts
              WHERE database = ${sqlLiteral(store.database)} AND active`,
      format: 'JSONEachRow',
    })
  ).json<{ table: string; partition: string }>();
  const dropped: DroppedPartition[] = [];
  for (const table of STORE_TABLES) {
    const days = retentionDays[table];
    if (days <= 0) continue;
    const cutoff = isoTime(nowMs - days * 86_400_000)
      .slice(0, 10)
      .replaceAll('-', '');
    const holder = storageTable(store, table);
    for (const { partition } of parts.filter((p) => p.table === holder)) {
      if (!/^\d{8}$/.test(partition) || partition >= cutoff) continue;
      await store.client.command({
        query: `ALTER TABLE ${store.database}.${holder}${onCluster(store)} DROP PARTITION ${partition}`,
      });
      dropped.push({ table, partition });
    }
  }
  return dropped;
}
