import { QueryBuilder } from './query-builder.js';
import { rowToRecord, selectList, TIME_MS_ALIAS, type Row, type StoredRecord } from './row-codec.js';
import type { Store } from './store.js';
import { STORE_TABLES, TABLE_SPECS, type StoreTable } from './tables.js';

/** Forensics: every stored event and alert of one session, in time order (ms precision). */

export interface TimelineEntry {
  time_ms: number;
  table: StoreTable;
  record: StoredRecord;
}

export interface TimelineQuery {
  /** Omitted: the session id in every tenant. */
  tenant?: string;
  sessionId: string;
}

/** Order of records that share a millisecond: a turn opens first and closes last. */
function rank(entry: TimelineEntry): number {
  const r = entry.record;
  if (!('kind' in r)) return 7;
  switch (r.kind) {
    case 'turn':
      return r.phase === 'start' ? 0 : 8;
    case 'prompt':
      return 1;
    case 'catalog':
      return 2;
    case 'content_read':
      return 3;
    case 'tool_call':
      return 4 + r.chain_index / 1e6;
    case 'egress':
      return 5;
    case 'assistant_output':
      return 6;
  }
}

function identity(record: StoredRecord): string {
  return 'kind' in record ? record.event_id : `${record.fingerprint}/${record.status}`;
}

export function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  return a.time_ms - b.time_ms || rank(a) - rank(b) || (identity(a.record) < identity(b.record) ? -1 : 1);
}

export async function sessionTimeline(store: Store, query: TimelineQuery): Promise<TimelineEntry[]> {
  const perTable = await Promise.all(
    STORE_TABLES.map(async (table) => {
      const spec = TABLE_SPECS[table];
      const qb = new QueryBuilder(store.flavor);
      const where = [`session_id = ${qb.value(query.sessionId, 'String')}`];
      if (query.tenant !== undefined) where.push(`tenant = ${qb.value(query.tenant, 'String')}`);
      const built = qb.build(
        `SELECT ${selectList(spec, store.flavor).join(', ')} FROM ${store.database}.${table} FINAL
         WHERE ${where.join(' AND ')}`,
      );
      const rows = await (await store.client.query({ ...built, format: 'JSONEachRow' })).json<Row>();
      return rows.map((row) => ({
        time_ms: Number(row[TIME_MS_ALIAS]),
        table,
        record: rowToRecord(spec, row),
      }));
    }),
  );
  return perTable.flat().sort(compareEntries);
}
