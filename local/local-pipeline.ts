import type { PublishItem } from '../collector/index.js';
import type { DetectorEngine, MemoryStateStore, StoredState } from '../detectors/index.js';
import type { Alert } from '../model/index.js';
import type { StateRow } from './detector-state-table.js';
import type { LocalStats } from './local-stats.js';

/**
 * What `mcptap local` does with accepted events, in two steps. `accept` runs the detectors as a
 * request enters the queue (in arrival order, so per session in order) and reports alerts at once;
 * `store` later writes the events and alerts, then the detector state those events produced — in
 * that order, so persisted state never claims events the store lacks. The records are handed to
 * the store to be prepared (encoded) as soon as they are accepted, so that work overlaps
 * the insert of earlier batches; `store` then only inserts what its batch prepared. Alerts and
 * state that could not be written are kept and written with the next batch: the sender retries the
 * events, but the detectors have already seen them and would not raise their alerts again.
 */

export interface Detected {
  /** The store's handles on the prepared events and alerts (none when there were none). */
  prepared: number[];
  alerts: Alert[];
  state: StateRow[];
}

export interface LocalPipelineDeps {
  engine: DetectorEngine;
  state: MemoryStateStore;
  /** Hands events (each as the collector's JSON of it) and alerts to the store to prepare now. */
  prepareRecords: (events: readonly string[], alerts: readonly Alert[]) => number;
  /** Inserts prepared records; resolves once they are stored. */
  writeRecords: (prepared: readonly number[]) => Promise<unknown>;
  stateRows: (changes: ReadonlyArray<readonly [string, StoredState | null]>) => StateRow[];
  writeState: (rows: readonly StateRow[]) => Promise<void>;
  stats: LocalStats;
  /** Every alert that starts firing or resolves, as soon as it does (terminal, delivery). */
  onAlert: (alert: Alert) => void;
}

export class LocalPipeline {
  private pendingAlerts: Alert[] = [];
  private pendingState: StateRow[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: LocalPipelineDeps) {}

  accept(items: readonly PublishItem[]): Detected {
    const { engine, stats } = this.deps;
    const events: string[] = [];
    const alerts: Alert[] = [];
    for (const item of items) {
      if (item.type !== 'event') continue;
      events.push(item.value);
      stats.event(item.event);
      for (const alert of engine.process(item.event)) alerts.push(alert);
    }
    const state = this.drainState(alerts);
    return { prepared: this.prepare(events, alerts), alerts, state };
  }

  /** Time-based work (alert resolution, idle state); its results are written like a batch's. */
  async tick(nowMs: number): Promise<Alert[]> {
    const resolved = this.deps.engine.tick(nowMs);
    const state = this.drainState(resolved);
    await this.write(this.prepare([], resolved), resolved, state);
    return resolved;
  }

  async store(batch: readonly Detected[]): Promise<void> {
    const prepared: number[] = [];
    const alerts: Alert[] = [];
    const state: StateRow[] = [];
    for (const detected of batch) {
      for (const handle of detected.prepared) prepared.push(handle);
      for (const alert of detected.alerts) alerts.push(alert);
      for (const row of detected.state) state.push(row);
    }
    await this.write(prepared, alerts, state);
  }

  /** Writes what earlier failures left behind; true when nothing is pending any more. */
  async flushPending(): Promise<boolean> {
    await this.write([], [], []).catch(() => undefined);
    return this.pendingAlerts.length === 0 && this.pendingState.length === 0;
  }

  private drainState(alerts: readonly Alert[]): StateRow[] {
    for (const alert of alerts) {
      this.deps.stats.alert(alert);
      this.deps.onAlert(alert);
    }
    return this.deps.stateRows(this.deps.state.drainChanges());
  }

  private prepare(events: readonly string[], alerts: readonly Alert[]): number[] {
    return events.length > 0 || alerts.length > 0 ? [this.deps.prepareRecords(events, alerts)] : [];
  }

  /**
   * Serialised: records before state, pending ones first. `alerts` are those of `prepared`, kept
   * to be prepared again should the write fail.
   */
  private write(prepared: number[], alerts: Alert[], state: StateRow[]): Promise<void> {
    const run = async () => {
      const allAlerts = this.pendingAlerts.length === 0 ? alerts : [...this.pendingAlerts, ...alerts];
      const allState = this.pendingState.length === 0 ? state : [...this.pendingState, ...state];
      const retried = this.prepare([], this.pendingAlerts);
      this.pendingAlerts = [];
      this.pendingState = [];
      try {
        await this.deps.writeRecords([...retried, ...prepared]);
      } catch (error) {
        this.pendingAlerts = allAlerts;
        this.pendingState = allState;
        throw error;
      }
      try {
        await this.deps.writeState(allState);
      } catch (error) {
        this.pendingState = allState;
        throw error;
      }
    };
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }
}
