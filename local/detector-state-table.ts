import type { StoredState } from '../detectors/index.js';
import type { Store } from '../storage/index.js';

/**
 * Detector state (pinned catalogs, seen destinations, session chains, active alerts, recently seen
 * event ids) kept in the embedded ClickHouse beside the events, so that a restarted `mcptap local`
 * neither forgets nor re-alerts. One row per change; the highest version of a key wins. Versions
 * are taken when a change is made, not when it is written, so writes may complete in any order.
 */

export interface StateRow {
  key: string;
  /** The state as JSON; empty when deleted. */
  value: string;
  deleted: 0 | 1;
  version: number;
}

export const STATE_TABLE = 'local_detector_state';

export class DetectorStateTable {
  private nextVersion = 1;

  constructor(private readonly store: Store) {}

  private get table(): string {
    return `${this.store.database}.${STATE_TABLE}`;
  }

  async create(): Promise<void> {
    await this.store.client.command({
      query: `CREATE TABLE IF NOT EXISTS ${this.table} (
                key String, value String CODEC(ZSTD(3)), deleted UInt8, version UInt64
              ) ENGINE = ReplacingMergeTree(version) ORDER BY key`,
    });
  }

  /**
   * Reads the latest value of every key into `restore`; entries `isValid` refuses (a detector
   * removed or changed its state shape) are skipped and counted.
   */
  async load(
    restore: (key: string, value: StoredState) => void,
    isValid: (key: string, value: StoredState) => boolean,
  ): Promise<{ restored: number; skipped: number }> {
    const result = await this.store.client.query({
      query: `SELECT key, argMax(value, version) AS value, argMax(deleted, version) AS gone, max(version) AS max_version
              FROM ${this.table} GROUP BY key`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{
      key: string;
      value: string;
      gone: number;
      max_version: string | number;
    }>();
    let restored = 0;
    let skipped = 0;
    for (const row of rows) {
      this.nextVersion = Math.max(this.nextVersion, Number(row.max_version) + 1);
      if (Number(row.gone) === 1) continue;
      let value: StoredState;
      try {
        value = JSON.parse(row.value) as StoredState;
      } catch {
        skipped++;
        continue;
      }
      if (isValid(row.key, value)) {
        restore(row.key, value);
        restored++;
      } else skipped++;
    }
    return { restored, skipped };
  }

  /** Rows for changes just made (null = deleted), versioned in the order given. */
  rows(changes: ReadonlyArray<readonly [string, StoredState | null]>): StateRow[] {
    return changes.map(([key, value]) => ({
      key,
      value: value === null ? '' : JSON.stringify(value),
      deleted: value === null ? 1 : 0,
      version: this.nextVersion++,
    }));
  }

  async write(rows: readonly StateRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.store.client.insert({ table: this.table, values: rows, format: 'JSONEachRow' });
  }

  /**
   * Keeps only each key's latest row and drops tombstones. Start-up only: a write between the two
   * statements could lose a deletion.
   */
  async compact(): Promise<void> {
    await this.store.client.command({ query: `OPTIMIZE TABLE ${this.table} FINAL` });
    await this.store.client.command({ query: `DELETE FROM ${this.table} WHERE deleted = 1` });
  }
}
