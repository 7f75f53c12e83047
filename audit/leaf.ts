import { sha256Hex } from '../model/index.js';
import { STORE_TABLES, TABLE_SPECS, type Column, type Row, type StoreTable } from '../storage/index.js';

/**
 * A stored row's leaf: the canonical hash of its columns exactly as the table gives them back, so
 * that `mcptap audit verify` recomputes it from the table alone. Written rows and rows read back
 * differ only in representation (the time as text or as milliseconds, integers as strings, an
 * absent optional field as the column's default); `leafForm` takes either to one form.
 */

export interface SealedMember {
  tenant: string;
  /** `<table>/<event id>`, or `alerts/<fingerprint>/<status>` (the rows' identity in their table). */
  member: string;
  leaf: string;
  /** Event time in ms since the epoch. */
  timeMs: number;
}

export function memberKey(table: StoreTable, row: Row): string {
  return table === 'alerts'
    ? `alerts/${String(row.fingerprint)}/${String(row.status)}`
    : `${table}/${String(row.event_id)}`;
}

function normalise(column: Column, value: unknown): unknown {
  switch (column.shape) {
    case 'bool':
    case 'uint':
    case 'float':
      return value === undefined || value === null ? 0 : Number(value);
    case 'strings':
      return Array.isArray(value) ? value.map(String) : [];
    default:
      return value === undefined || value === null ? '' : String(value);
  }
}

/** Each table's columns in canonical (sorted) key order, so a leaf form needs no sorting per row. */
const SORTED_COLUMNS = new Map<StoreTable, readonly Column[]>(
  STORE_TABLES.map((table) => [
    table,
    [...TABLE_SPECS[table].columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  ]),
);

/** Row (as written, or as read with `leafSelectList`) → the column values the leaf is the hash of. */
export function leafForm(table: StoreTable, row: Row, timeMs: number): Record<string, unknown> {
  const form: Record<string, unknown> = {};
  for (const column of SORTED_COLUMNS.get(table)!) {
    form[column.name] = column.shape === 'time' ? timeMs : normalise(column, row[column.name]);
  }
  return form;
}

/**
 * canonicalHash of the leaf form. The form is flat (strings, numbers, arrays of strings) and its
 * keys are already in canonical order, so JSON.stringify writes exactly canonicalJson's text at a
 * fraction of its cost (test/unit/audit checks they agree).
 */
export function leafHash(table: StoreTable, row: Row, timeMs: number): string {
  return sha256Hex(JSON.stringify(leafForm(table, row, timeMs)));
}

/** `2026-11-24 10:00:00.120` (modern) or `2026-11-24 10:00:00` plus `time_ms` (18.16) → ms. */
export function writtenTimeMs(row: Row): number {
  const text = String(row.time);
  const seconds = Date.parse(`${text.slice(0, 10)}T${text.slice(11, 19)}Z`);
  const ms = row.time_ms === undefined ? Number(text.slice(20, 23) || 0) : Number(row.time_ms);
  return seconds + ms;
}

/** The member and leaf of a row as the store writer built it, ready to insert. */
export function sealedMember(table: StoreTable, row: Row): SealedMember {
  const timeMs = writtenTimeMs(row);
  return {
    tenant: String(row.tenant),
    member: memberKey(table, row),
    leaf: leafHash(table, row, timeMs),
    timeMs,
  };
}
