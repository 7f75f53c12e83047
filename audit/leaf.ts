import { canonicalHash } from '../model/index.js';
import { TABLE_SPECS, type Column, type Row, type StoreTable } from '../storage/index.js';

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

/** Row (as written, or as read with `leafSelectList`) → the column values the leaf is the hash of. */
export function leafForm(table: StoreTable, row: Row, timeMs: number): Record<string, unknown> {
  const form: Record<string, unknown> = {};
  for (const column of TABLE_SPECS[table].columns) {
    form[column.name] = column.shape === 'time' ? timeMs : normalise(column, row[column.name]);
  }
  return form;
}

export function leafHash(table: StoreTable, row: Row, timeMs: number): string {
  return canonicalHash(leafForm(table, row, timeMs));
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
