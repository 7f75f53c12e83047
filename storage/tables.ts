import type { z } from 'zod';
import {
  AlertSchema,
  AssistantOutputEventSchema,
  CatalogEventSchema,
  ContentReadEventSchema,
  EgressEventSchema,
  PromptEventSchema,
  ToolCallEventSchema,
  TurnEventSchema,
  type McpEventKind,
} from '../model/index.js';
import { replacingTableSql, type TablePlace } from './cluster-schema.js';
import { columnDdl, columnsOf, type Column } from './columns.js';
import type { ServerFlavor } from './server-flavor.js';

/** One table per event kind plus alerts; the columns come from the model (see columns.ts). */

export const STORE_TABLES = [
  'tool_calls',
  'content_reads',
  'catalog_snapshots',
  'egress_events',
  'turns',
  'assistant_outputs',
  'prompt_logs',
  'alerts',
] as const;
export type StoreTable = (typeof STORE_TABLES)[number];

export type StoredKind = McpEventKind | 'alert';

export interface TableSpec {
  table: StoreTable;
  kind: StoredKind;
  columns: readonly Column[];
  /** After (tenant, session_id, time): the columns that make a row unique, so a redelivery collapses. */
  identity: readonly string[];
}

function spec(table: StoreTable, kind: StoredKind, schema: z.ZodObject, identity: string[]): TableSpec {
  return { table, kind, columns: columnsOf(schema), identity };
}

export const TABLE_SPECS: Readonly<Record<StoreTable, TableSpec>> = {
  tool_calls: spec('tool_calls', 'tool_call', ToolCallEventSchema, ['event_id']),
  content_reads: spec('content_reads', 'content_read', ContentReadEventSchema, ['event_id']),
  catalog_snapshots: spec('catalog_snapshots', 'catalog', CatalogEventSchema, ['event_id']),
  egress_events: spec('egress_events', 'egress', EgressEventSchema, ['event_id']),
  turns: spec('turns', 'turn', TurnEventSchema, ['event_id']),
  assistant_outputs: spec('assistant_outputs', 'assistant_output', AssistantOutputEventSchema, ['event_id']),
  prompt_logs: spec('prompt_logs', 'prompt', PromptEventSchema, ['event_id']),
  alerts: spec('alerts', 'alert', AlertSchema, ['fingerprint', 'status']),
};

export const TABLE_FOR_KIND: Readonly<Record<StoredKind, StoreTable>> = Object.fromEntries(
  STORE_TABLES.map((table) => [TABLE_SPECS[table].kind, table]),
) as Record<StoredKind, StoreTable>;

/** Columns "everything for this server/tool over time" filters on: skip-indexed on modern servers. */
const LOOKUP_COLUMNS = ['server_id', 'server_name', 'tool', 'dest_host', 'rule'];

/** A table's skip indexes on a modern server: lookup columns, and the tokens of captured content. */
function skipIndexes(spec: TableSpec): Array<{ name: string; definition: string }> {
  const names = new Set(spec.columns.map((c) => c.name));
  return [
    ...LOOKUP_COLUMNS.filter((name) => names.has(name)).map((name) => ({
      name: `idx_${name}`,
      definition: `${name} TYPE bloom_filter(0.01) GRANULARITY 4`,
    })),
    ...spec.columns
      .filter((column) => column.shape === 'text' && names.has(`${column.name}_sha256`))
      .map((column) => ({
        name: `idx_${column.name}_tokens`,
        definition: `${column.name} TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 4`,
      })),
  ];
}

/**
 * A table's shard on a cluster: by session, so a session's timeline is read from one shard and a
 * redelivered event (same session) collapses with its first copy.
 */
export const SHARDING_KEY = 'sipHash64(tenant, session_id)';

/**
 * CREATE TABLE for one table (on a cluster, its replicated table and its Distributed table).
 * ReplacingMergeTree ordered by (tenant, session_id, time, identity): the session timeline is a range
 * scan, and a redelivered event (same identity) collapses on merge; queries read with FINAL so
 * duplicates never show before that.
 */
export function createTableSql(
  place: TablePlace,
  spec: TableSpec,
  flavor: ServerFlavor,
  retentionDays: number,
): string[] {
  const order = ['tenant', 'session_id', 'time', ...(flavor.modern ? [] : ['time_ms']), ...spec.identity];
  const lines = spec.columns.flatMap((column) => columnDdl(column, flavor));
  if (flavor.modern && !flavor.embeddedTables) {
    for (const index of skipIndexes(spec)) lines.push(`INDEX ${index.name} ${index.definition}`);
  }
  return replacingTableSql(place, {
    name: spec.table,
    body: lines.map((line) => `  ${line}`).join(',\n'),
    clauses: [
      `PARTITION BY toYYYYMMDD(time)`,
      `ORDER BY (${order.join(', ')})`,
      ...(flavor.modern && retentionDays > 0 ? [ttlClause(retentionDays)] : []),
    ].join('\n'),
    shardingKey: SHARDING_KEY,
  });
}

export function ttlClause(retentionDays: number): string {
  return `TTL toDateTime(time) + INTERVAL ${Math.trunc(retentionDays)} DAY`;
}

/**
 * Brings a table created with the server profile to the embedded one (see ServerFlavor): drops its
 * skip indexes and moves its codecs to LZ4. Cheap (the indexes' files are deleted; existing parts
 * keep their codec until they are merged) and safe to run again.
 */
export function embeddedTablesAlterSql(database: string, spec: TableSpec, flavor: ServerFlavor): string {
  const embedded: ServerFlavor = { ...flavor, embeddedTables: true };
  const actions = [
    ...skipIndexes(spec).map((index) => `DROP INDEX IF EXISTS ${index.name}`),
    ...spec.columns
      .flatMap((column) => columnDdl(column, embedded))
      .filter((ddl) => ddl.includes('CODEC('))
      .map((ddl) => `MODIFY COLUMN ${ddl}`),
  ];
  return `ALTER TABLE ${database}.${spec.table} ${actions.join(', ')}`;
}
