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

/**
 * A state key is a prefix naming what is kept — `alert|`, `seen|` or `d|<detector id>|` — followed
 * by the scope it is kept for (a fingerprint, `<tenant>/<session>` …). The engine addresses entries
 * by both parts: per event it builds only the scope strings, and the prefix strings are built once.
 */
export const ALERT_PREFIX = 'alert|';
export const SEEN_PREFIX = 'seen|';
export const DETECTOR_PREFIX = 'd|';

/** Splits a whole key (changelog, store table) into prefix and scope. */
export function splitStateKey(key: string): { prefix: string; scope: string } {
  const first = key.indexOf('|');
  const end = key.startsWith(DETECTOR_PREFIX) ? key.indexOf('|', first + 1) : first;
  return end < 0 ? { prefix: '', scope: key } : { prefix: key.slice(0, end + 1), scope: key.slice(end + 1) };
}

export interface StateStore {
  read(prefix: string, scope: string): StoredState | undefined;
  /** Creates or replaces an entry, or records that the entry `read` returned was changed in place. */
  write(prefix: string, scope: string, value: StoredState): void;
  remove(prefix: string, scope: string): void;
  /** The entries under `prefix`, as [scope, value]. */
  scan(prefix: string): IterableIterator<[string, StoredState]>;
  prefixes(): IterableIterator<string>;
}

interface Entry {
  key: string;
  /** null once removed. */
  value: StoredState | null;
  /** Listed in `changed` since the last drain. */
  dirty: boolean;
}

export class MemoryStateStore implements StateStore {
  private readonly byPrefix = new Map<string, Map<string, Entry>>();
  private changed: Entry[] = [];

  read(prefix: string, scope: string): StoredState | undefined {
    return this.byPrefix.get(prefix)?.get(scope)?.value ?? undefined;
  }

  write(prefix: string, scope: string, value: StoredState): void {
    let entries = this.byPrefix.get(prefix);
    if (entries === undefined) this.byPrefix.set(prefix, (entries = new Map()));
    let entry = entries.get(scope);
    if (entry === undefined) {
      entries.set(scope, (entry = { key: prefix + scope, value, dirty: false }));
    }
    entry.value = value;
    this.markChanged(entry);
  }

  remove(prefix: string, scope: string): void {
    const entries = this.byPrefix.get(prefix);
    const entry = entries?.get(scope);
    if (entries === undefined || entry === undefined) return;
    entries.delete(scope);
    entry.value = null;
    this.markChanged(entry);
  }

  *scan(prefix: string): IterableIterator<[string, StoredState]> {
    for (const [scope, entry] of this.byPrefix.get(prefix) ?? []) {
      if (entry.value !== null) yield [scope, entry.value];
    }
  }

  prefixes(): IterableIterator<string> {
    return this.byPrefix.keys();
  }

  /** An entry by its whole key. */
  get(key: string): StoredState | undefined {
    const { prefix, scope } = splitStateKey(key);
    return this.read(prefix, scope);
  }

  /** Every whole key. */
  *keys(): IterableIterator<string> {
    for (const entries of this.byPrefix.values()) for (const entry of entries.values()) yield entry.key;
  }

  get size(): number {
    let size = 0;
    for (const entries of this.byPrefix.values()) size += entries.size;
    return size;
  }

  /** Applies a change written elsewhere (changelog restore) without marking it changed. */
  restore(key: string, value: StoredState | null): void {
    const { prefix, scope } = splitStateKey(key);
    let entries = this.byPrefix.get(prefix);
    entries?.delete(scope);
    if (value !== null) {
      if (entries === undefined) this.byPrefix.set(prefix, (entries = new Map()));
      // A new entry: a change of ours still waiting to be drained keeps its own value.
      entries.set(scope, { key, value, dirty: false });
    }
  }

  /**
   * Changes since the last call (null = deleted), in the order made, last write per key wins. The
   * values are the live entries: serialise them before the engine processes more events.
   */
  drainChanges(): Array<[string, StoredState | null]> {
    const changes: Array<[string, StoredState | null]> = [];
    for (const entry of this.changed) {
      entry.dirty = false;
      changes.push([entry.key, entry.value]);
    }
    this.changed = [];
    return changes;
  }

  private markChanged(entry: Entry): void {
    if (entry.dirty) return;
    entry.dirty = true;
    this.changed.push(entry);
  }
}
