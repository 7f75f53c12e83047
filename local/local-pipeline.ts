import type { PublishItem } from '../collector/index.js';
import type { DetectorEngine, MemoryStateStore, StoredState } from '../detectors/index.js';
import type { Alert, McpEvent } from '../model/index.js';
import type { StoredRecord } from '../storage/index.js';
import type { Accepted } from './bounded-stream.js';
import type { StateRow } from './detector-state-table.js';
import type { LocalStats } from './local-stats.js';

/**
 * What `mcptap local` does with accepted events, in two steps. `accept` runs the detectors as a
 * request enters the queue (in arrival order, so per session in order) and reports alerts at once;
 * `store` later writes the events and alerts, then the detector state those events produced — in
 * that order, so persisted state never claims events the store lacks. What could not be written is
 * kept and written with the next batch: the sender retries the events, but the detectors have
 * already seen them and would not raise their alerts again.
 */

export interface Detected {
  events: McpEvent[];
  alerts: Alert[];
  state: StateRow[];
}

export interface LocalPipelineDeps {
  engine: DetectorEngine;
  state: MemoryStateStore;
  /** Writes events and alerts to the store (StoreWriter.write). */
  writeRecords: (records: readonly StoredRecord[]) => Promise<unknown>;
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
    const events: McpEvent[] = [];
    const alerts: Alert[] = [];
    for (const item of items) {
      if (item.type !== 'event') continue;
      events.push(item.event);
      stats.event(item.event);
      for (const alert of engine.process(item.event)) alerts.push(alert);
    }
    return { events, alerts, state: this.drainState(alerts) };
  }

  /** Time-based work (alert resolution, idle state); its results are written like a batch's. */
  async tick(nowMs: number): Promise<Alert[]> {
    const resolved = this.deps.engine.tick(nowMs);
    const state = this.drainState(resolved);
    await this.write([], resolved, state);
    return resolved;
  }

  async store(batch: readonly Accepted<Detected>[]): Promise<void> {
    const events: McpEvent[] = [];
    const alerts: Alert[] = [];
    const state: StateRow[] = [];
    for (const { accepted } of batch) {
      for (const event of accepted.events) events.push(event);
      for (const alert of accepted.alerts) alerts.push(alert);
      for (const row of accepted.state) state.push(row);
    }
    await this.write(events, alerts, state);
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

  /** Serialised: records before state, pending ones first. */
  private write(events: McpEvent[], alerts: Alert[], state: StateRow[]): Promise<void> {
    const run = async () => {
      const allAlerts = this.pendingAlerts.length === 0 ? alerts : [...this.pendingAlerts, ...alerts];
      const allState = this.pendingState.length === 0 ? state : [...this.pendingState, ...state];
      this.pendingAlerts = [];
      this.pendingState = [];
      try {
        if (events.length > 0 || allAlerts.length > 0)
          await this.deps.writeRecords([...events, ...allAlerts]);
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
