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

function turnOf(entry: TimelineEntry): string {
  return 'turn_id' in entry.record ? entry.record.turn_id : '';
}

/**
 * Time order; within a millisecond, the records of a turn that started earlier first (a turn's
 * output and end often share the millisecond of the next turn's start), then by kind.
 */
export function sortTimeline(entries: TimelineEntry[]): TimelineEntry[] {
  const turnStart = new Map<string, number>();
  for (const entry of entries) {
    const turn = turnOf(entry);
    if (turn !== '') turnStart.set(turn, Math.min(turnStart.get(turn) ?? Infinity, entry.time_ms));
  }
  const startOf = (entry: TimelineEntry) => turnStart.get(turnOf(entry)) ?? entry.time_ms;
  return entries.sort(
    (a, b) =>
      a.time_ms - b.time_ms ||
      startOf(a) - startOf(b) ||
      rank(a) - rank(b) ||
      (identity(a.record) < identity(b.record) ? -1 : 1),
  );
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
  return sortTimeline(perTable.flat());
}
