import { z } from 'zod';
import { CappedContentSchema, IsoTimeSchema } from '../model/index.js';
import type { ServerFlavor } from './server-flavor.js';

/**
 * ClickHouse columns derived from the event model's zod schemas, so that no field is declared twice:
 * a model field is a column of the same name; capped content becomes `<field>`, `<field>_bytes`,
 * `<field>_sha256`, `<field>_truncated`; other nested objects are flattened as `<field>_<sub>`;
 * arrays of strings are `Array(String)`; anything more nested is stored as JSON text.
 * The `kind` literal is not a column: each kind has its own table.
 */

export type ColumnShape =
  'time' | 'string' | 'low_cardinality' | 'text' | 'bool' | 'uint' | 'float' | 'strings' | 'json';

export interface Column {
  name: string;
  /** Where the value sits in the event object. */
  path: readonly string[];
  shape: ColumnShape;
}

/** Strings with few distinct values, stored dictionary-encoded where the server supports it. */
const LOW_CARDINALITY_FIELDS = new Set([
  'tenant',
  'host_id',
  'user_id',
  'team',
  'server_name',
  'server_id',
  'server_version',
  'tool',
  'error_type',
  'dest_scheme',
  'rule',
]);

/** Free text that can be long: compressed harder where the server supports codecs (not embedded). */
const TEXT_FIELDS = new Set(['error_message', 'instructions', 'summary']);

function shapeOf(name: string, schema: z.ZodType): ColumnShape {
  if (schema === IsoTimeSchema) return 'time';
  if (schema instanceof z.ZodEnum) return 'low_cardinality';
  if (schema instanceof z.ZodString) {
    if (LOW_CARDINALITY_FIELDS.has(name)) return 'low_cardinality';
    return TEXT_FIELDS.has(name) ? 'text' : 'string';
  }
  if (schema instanceof z.ZodBoolean) return 'bool';
  if (schema instanceof z.ZodNumber) return schema.isInt && (schema.minValue ?? -1) >= 0 ? 'uint' : 'float';
  if (schema instanceof z.ZodArray && schema.element instanceof z.ZodString) return 'strings';
  return 'json';
}

export function columnsOf(schema: z.ZodObject): Column[] {
  const columns: Column[] = [];
  for (const [field, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    if (fieldSchema instanceof z.ZodLiteral) continue;
    if (fieldSchema === CappedContentSchema) {
      columns.push(
        { name: field, path: [field, 'text'], shape: 'text' },
        { name: `${field}_bytes`, path: [field, 'bytes'], shape: 'uint' },
        { name: `${field}_sha256`, path: [field, 'sha256'], shape: 'string' },
        { name: `${field}_truncated`, path: [field, 'truncated'], shape: 'bool' },
      );
    } else if (fieldSchema instanceof z.ZodObject) {
      for (const [sub, subSchema] of Object.entries(fieldSchema.shape as Record<string, z.ZodType>)) {
        columns.push({ name: `${field}_${sub}`, path: [field, sub], shape: shapeOf(sub, subSchema) });
      }
    } else {
      columns.push({ name: field, path: [field], shape: shapeOf(field, fieldSchema) });
    }
  }
  return columns;
}

/** The DDL of one column; `time` becomes two columns (`time`, `time_ms`) on old servers. */
export function columnDdl(column: Column, flavor: ServerFlavor): string[] {
  const name = column.name;
  if (!flavor.modern) {
    const type: Record<ColumnShape, string> = {
      time: 'DateTime',
      string: 'String',
      low_cardinality: 'String',
      text: 'String',
      bool: 'UInt8',
      uint: 'UInt64',
      float: 'Float64',
      strings: 'Array(String)',
      json: 'String',
    };
    return column.shape === 'time'
      ? [`${name} DateTime`, `${name}_ms UInt16`]
      : [`${name} ${type[column.shape]}`];
  }
  const compress = (zstdLevel: number) => (flavor.embeddedTables ? 'LZ4' : `ZSTD(${zstdLevel})`);
  const type: Record<ColumnShape, string> = {
    time: `DateTime64(3, 'UTC') CODEC(Delta, ${compress(3)})`,
    string: `String CODEC(${compress(3)})`,
    low_cardinality: 'LowCardinality(String)',
    text: `String CODEC(${compress(6)})`,
    bool: 'UInt8',
    uint: `UInt64 CODEC(T64, ${compress(3)})`,
    float: `Float64 CODEC(Gorilla, ${compress(3)})`,
    strings: `Array(String) CODEC(${compress(3)})`,
    json: `String CODEC(${compress(6)})`,
  };
  return [`${name} ${type[column.shape]}`];
}

/** Column names as stored (with `time_ms` on old servers), for SELECT lists and position() scans. */
export function storedColumnNames(columns: readonly Column[], flavor: ServerFlavor): string[] {
  return columns.flatMap((c) => (c.shape === 'time' && !flavor.modern ? [c.name, `${c.name}_ms`] : [c.name]));
}
