import { isoTime, parseAlert, parseEvent, type Alert, type McpEvent } from '../model/index.js';
import type { Column } from './columns.js';
import type { ServerFlavor } from './server-flavor.js';
import type { TableSpec } from './tables.js';

/** Events ⇄ ClickHouse JSONEachRow rows, driven by the column table (columns.ts). */

export type StoredRecord = McpEvent | Alert;
export type Row = Record<string, unknown>;

/** The alias a SELECT gives the event time, as milliseconds since the epoch (`time` stays the column). */
export const TIME_MS_ALIAS = 'time_unix_ms';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text from traffic may hold lone UTF-16 surrogates (a JSON `\ud800` escape, or a cut through an
 * emoji); ClickHouse refuses them and the whole insert would fail on every retry, so each one
 * becomes U+FFFD. The content's `_sha256` still identifies the original.
 */
export function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') {
    LONE_SURROGATE.lastIndex = 0;
    return LONE_SURROGATE.test(value) ? value.replace(LONE_SURROGATE, '\uFFFD') : value;
  }
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wellFormed(v)]));
  }
  return value;
}

function valueAt(record: object, path: readonly string[]): unknown {
  let value: unknown = record;
  for (const key of path) value = (value as Record<string, unknown>)[key];
  return value;
}

/** `2026-11-24T10:00:00.120Z` → `2026-11-24 10:00:00.120` (ClickHouse's text form). */
function clickhouseTime(iso: string, withMs: boolean): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, withMs ? 23 : 19)}`;
}

export function recordToRow(spec: TableSpec, record: StoredRecord, flavor: ServerFlavor): Row {
  const row: Row = {};
  for (const column of spec.columns) {
    const value = valueAt(record, column.path);
    switch (column.shape) {
      case 'time': {
        const iso = value as string;
        if (flavor.modern) row[column.name] = clickhouseTime(iso, true);
        else {
          row[column.name] = clickhouseTime(iso, false);
          row[`${column.name}_ms`] = Number(iso.slice(20, 23));
        }
        break;
      }
      case 'bool':
        row[column.name] = value ? 1 : 0;
        break;
      case 'json':
        row[column.name] = JSON.stringify(wellFormed(value));
        break;
      default:
        row[column.name] = wellFormed(value);
    }
  }
  return row;
}

/**
 * Rows as JSONEachRow bytes, one JSON object a line. Each line is written straight into one buffer:
 * joining them into one string first would copy the whole text once more.
 */
export function jsonEachRow(rows: readonly Row[]): Buffer {
  const lines = rows.map((row) => JSON.stringify(row));
  let bytes = 0;
  for (const line of lines) bytes += Buffer.byteLength(line) + 1;
  const body = Buffer.allocUnsafe(bytes);
  let offset = 0;
  for (const line of lines) {
    offset += body.write(line, offset);
    body[offset++] = 0x0a;
  }
  return body;
}

/** SELECT expressions that read a record back: every column, and the time in ms as TIME_MS_ALIAS. */
export function selectList(spec: TableSpec, flavor: ServerFlavor): string[] {
  return spec.columns.map((column) => (column.shape === 'time' ? timeMsExpression(flavor) : column.name));
}

export function timeMsExpression(flavor: ServerFlavor, table?: string): string {
  const t = table === undefined ? '' : `${table}.`;
  return flavor.modern
    ? `toUnixTimestamp64Milli(${t}time) AS ${TIME_MS_ALIAS}`
    : `toUInt64(${t}time) * 1000 + ${t}time_ms AS ${TIME_MS_ALIAS}`;
}

function decode(column: Column, row: Row): unknown {
  const value = row[column.shape === 'time' ? TIME_MS_ALIAS : column.name];
  switch (column.shape) {
    case 'time':
      return isoTime(Number(value));
    case 'bool':
      return Number(value) === 1;
    case 'uint':
    case 'float':
      return Number(value);
    case 'json':
      return JSON.parse(String(value));
    default:
      return value;
  }
}

/** A row read with `selectList` back to the validated event or alert it was written from. */
export function rowToRecord(spec: TableSpec, row: Row): StoredRecord {
  const record: Record<string, unknown> = spec.kind === 'alert' ? {} : { kind: spec.kind };
  for (const column of spec.columns) {
    let target = record;
    for (const key of column.path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[column.path[column.path.length - 1]!] = decode(column, row);
  }
  return spec.kind === 'alert' ? parseAlert(record) : parseEvent(record);
}
