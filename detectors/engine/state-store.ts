/**
 * Where the engine keeps detector state and active alerts: a key → JSON map. The in-memory store
 * records what changed so that the Kafka runtime can write it to the compacted changelog topic and
 * restore it on start; embedded mode and replay just keep it in memory.
 */

/** A stored entry: the value and the event time (ms) it was last touched. */
export interface StoredState {
  v: unknown;
  t: number;
}

export interface StateStore {
  get(key: string): StoredState | undefined;
  set(key: string, value: StoredState): void;
  delete(key: string): void;
  keys(): IterableIterator<string>;
}

export class MemoryStateStore implements StateStore {
  private readonly map = new Map<string, StoredState>();
  private readonly dirty = new Map<string, StoredState | null>();

  get(key: string): StoredState | undefined {
    return this.map.get(key);
  }
  set(key: string, value: StoredState): void {
    this.map.set(key, value);
    this.dirty.set(key, value);
  }
  delete(key: string): void {
    if (this.map.delete(key)) this.dirty.set(key, null);
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  get size(): number {
    return this.map.size;
  }
  /** Applies a change written elsewhere (changelog restore) without marking it dirty. */
  restore(key: string, value: StoredState | null): void {
    if (value === null) this.map.delete(key);
    else this.map.set(key, value);
  }
  /** Changes since the last call (null = deleted), last write per key wins. */
  drainChanges(): Array<[string, StoredState | null]> {
    const changes = [...this.dirty];
    this.dirty.clear();
    return changes;
  }
}
