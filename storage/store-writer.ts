import { parseAlert, parseEvent } from '../model/index.js';
import { maskRecord, type SecretMasker } from '../secrets/index.js';
import { jsonEachRow, recordToRow, type Row, type StoredRecord } from './row-codec.js';
import type { Store } from './store.js';
import { TABLE_FOR_KIND, TABLE_SPECS, type StoreTable } from './tables.js';

/**
 * The store's write path, independent of where records come from (the Kafka sink, or the embedded
 * mode's in-process queue): validate → mask → rows → one insert per table. Writing the same record
 * twice is harmless (tables collapse on the record's identity), so a failed write is simply retried.
 */

export type RecordSource = 'event' | 'alert';

/** Parses an untrusted value as an event or alert; throws with every problem listed. */
export function validateRecord(value: unknown, source: RecordSource): StoredRecord {
  return source === 'alert' ? parseAlert(value) : parseEvent(value);
}

export function tableFor(record: StoredRecord): StoreTable {
  return TABLE_FOR_KIND['kind' in record ? record.kind : 'alert'];
}

export interface StoreWriterOptions {
  /** Masks secrets in every string before it is stored; null stores values as they are. */
  mask: SecretMasker | null;
}

export type WriteResult = Partial<Record<StoreTable, number>>;

/**
 * Told of each row as it is built and of the rows once the store acknowledged them: the audit
 * log's sealer (audit/), which hashes what is stored and seals what was acknowledged.
 */
export interface RowSealer<Sealed = unknown> {
  rowBuilt(table: StoreTable, row: Row): Sealed;
  rowsStored(sealed: readonly Sealed[]): void;
}

type OnRow = (table: StoreTable, row: Row) => void;

export class StoreWriter {
  constructor(
    readonly store: Store,
    readonly options: StoreWriterOptions,
  ) {}

  /** A record's table and its row, masked, ready to insert. */
  row(original: StoredRecord): { table: StoreTable; row: Row } {
    const record = this.options.mask === null ? original : maskRecord(original, this.options.mask);
    const table = tableFor(record);
    return { table, row: recordToRow(TABLE_SPECS[table], record, this.store.flavor) };
  }

  /** Rows by table, ready to insert (exposed for the benchmark and for tests of the masking). */
  rows(records: readonly StoredRecord[], onRow?: OnRow): Map<StoreTable, Row[]> {
    const byTable = new Map<StoreTable, Row[]>();
    for (const record of records) {
      const { table, row } = this.row(record);
      onRow?.(table, row);
      let rows = byTable.get(table);
      if (rows === undefined) byTable.set(table, (rows = []));
      rows.push(row);
    }
    return byTable;
  }

  /**
   * Rows by table as JSONEachRow bytes, for EmbeddedStore.insertJsonEachRow. Rows to be inserted
   * later wait as one buffer per table, outside the JS heap, instead of thousands of objects the
   * GC would copy while they wait.
   */
  encode(records: readonly StoredRecord[], onRow?: OnRow): Map<StoreTable, Buffer> {
    const byTable = new Map<StoreTable, Buffer>();
    for (const [table, rows] of this.rows(records, onRow)) {
      byTable.set(table, jsonEachRow(rows));
    }
    return byTable;
  }

  /** One insert of rows built by `row`/`rows` into their table. */
  async insert(table: StoreTable, rows: readonly Row[]): Promise<void> {
    await this.store.client.insert({
      table: `${this.store.database}.${table}`,
      values: rows,
      format: 'JSONEachRow',
    });
  }

  async write(records: readonly StoredRecord[]): Promise<WriteResult> {
    const result: WriteResult = {};
    for (const [table, rows] of this.rows(records)) {
      await this.insert(table, rows);
      result[table] = rows.length;
    }
    return result;
  }
}
