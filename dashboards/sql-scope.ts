import type { z } from 'zod';
import {
  AlertSchema,
  CatalogEventSchema,
  ContentReadEventSchema,
  EgressEventSchema,
  ToolCallEventSchema,
  TurnEventSchema,
} from '../model/index.js';

/**
 * SQL fragments every panel shares, written so that the same text runs on current ClickHouse and on
 * Debian's 18.16 (see README: macros).
 *
 * Dashboard variables are applied through the plugin's `$__conditionalAll(condition, $var)`: the
 * plugin's front end replaces it with `1=1` when the variable is "All" (or empty), so "All" never
 * expands into a long IN list; otherwise the condition stays and `${var:singlequote}` becomes the
 * quoted, escaped selection.
 */

/** Dashboard variable → the column it filters (columns are the model's field names). */
export const SCOPE_VARIABLES = [
  { variable: 'tenant', column: 'tenant' },
  { variable: 'host', column: 'host_id' },
  { variable: 'user', column: 'user_id' },
  { variable: 'server', column: 'server_name' },
  { variable: 'tool', column: 'tool' },
] as const;
export type ScopeVariable = (typeof SCOPE_VARIABLES)[number]['variable'];

/** The stored tables panels filter by scope, with the model schema their columns come from. */
const TABLE_SCHEMAS = {
  tool_calls: ToolCallEventSchema,
  content_reads: ContentReadEventSchema,
  catalog_snapshots: CatalogEventSchema,
  egress_events: EgressEventSchema,
  turns: TurnEventSchema,
  alerts: AlertSchema,
} satisfies Record<string, z.ZodObject>;
export type ScopedTable = keyof typeof TABLE_SCHEMAS;

export function variableCondition(variable: ScopeVariable): string {
  const column = SCOPE_VARIABLES.find((s) => s.variable === variable)!.column;
  return `$__conditionalAll(${column} IN (\${${variable}:singlequote}), $${variable})`;
}

/**
 * The variable conditions that apply to a table: those whose column it has. `only` limits them,
 * e.g. a variable's own options query is filtered by the variables before it, not by itself.
 */
export function scope(table: ScopedTable, only?: readonly ScopeVariable[]): string {
  const shape = TABLE_SCHEMAS[table].shape as Record<string, unknown>;
  return SCOPE_VARIABLES.filter((s) => s.column in shape && (only === undefined || only.includes(s.variable)))
    .map((s) => variableCondition(s.variable))
    .join(' AND ');
}

/** The dashboard's time range and every variable that applies to the table. */
export function inRange(table: ScopedTable): string {
  return `$__timeFilter(time) AND ${scope(table)}`;
}

/**
 * The time bucket of a row for time-series panels. Not `$__timeInterval(time)`: that expands to
 * toStartOfInterval, which 18.16 lacks; `$__interval_s` is the same interval in whole seconds.
 */
export const TIME_BUCKET = 'toDateTime(intDiv(toUnixTimestamp(time), $__interval_s) * $__interval_s)';
