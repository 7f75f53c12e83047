import type { CatalogEvent, CatalogKind } from '../model/index.js';

/**
 * A server's catalog history as the servers view shows it: the distinct versions of each catalog
 * kind in the order they were first seen, and for each version what changed since the previous one,
 * field by field (a rug pull shows as the old and new text of a tool's description).
 */

export interface FieldChange {
  field: string;
  /** Canonical JSON of the field's value, '' when absent. */
  before: string;
  after: string;
}

export interface ItemChange {
  name: string;
  fields: FieldChange[];
}

export interface CatalogVersion {
  catalog_kind: CatalogKind;
  hash: string;
  first_seen_ms: number;
  last_seen_ms: number;
  snapshots: number;
  hosts: string[];
  sessions: string[];
  item_count: number;
  /** False when the stored items were cut at the content cap: the diff falls back to item names. */
  items_complete: boolean;
  instructions: string;
  /** Against the previous version of the same kind; empty for the first. */
  added: string[];
  removed: string[];
  changed: ItemChange[];
}

type Item = Record<string, unknown>;

function itemName(item: Item): string {
  for (const key of ['name', 'uri', 'uriTemplate']) {
    if (typeof item[key] === 'string') return item[key];
  }
  return JSON.stringify(item);
}

function parseItems(snapshot: CatalogEvent): Map<string, Item> | undefined {
  if (snapshot.items.truncated) return undefined;
  try {
    const parsed: unknown = JSON.parse(snapshot.items.text);
    if (!Array.isArray(parsed)) return undefined;
    const items = parsed.filter((i): i is Item => typeof i === 'object' && i !== null && !Array.isArray(i));
    return new Map(items.map((item) => [itemName(item), item]));
  } catch {
    return undefined;
  }
}

const json = (value: unknown) => (value === undefined ? '' : JSON.stringify(value, null, 2));

function fieldChanges(before: Item, after: Item): FieldChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return fields
    .map((field) => ({ field, before: json(before[field]), after: json(after[field]) }))
    .filter((change) => change.before !== change.after);
}

function compare(
  previous: CatalogEvent,
  current: CatalogEvent,
): Pick<CatalogVersion, 'added' | 'removed' | 'changed' | 'items_complete'> {
  const before = parseItems(previous);
  const after = parseItems(current);
  if (before === undefined || after === undefined) {
    return {
      items_complete: false,
      added: current.diff.added,
      removed: current.diff.removed,
      changed: current.diff.changed.map((c) => ({
        name: c.name,
        fields: c.fields.map((field) => ({ field, before: '', after: '' })),
      })),
    };
  }
  const changed: ItemChange[] = [];
  for (const [name, item] of after) {
    const old = before.get(name);
    if (old === undefined) continue;
    const fields = fieldChanges(old, item);
    if (fields.length > 0) changed.push({ name, fields });
  }
  return {
    items_complete: true,
    added: [...after.keys()].filter((name) => !before.has(name)),
    removed: [...before.keys()].filter((name) => !after.has(name)),
    changed,
  };
}

/** Snapshots in any order; versions oldest first, grouped by catalog kind (tools, resources, prompts). */
export function catalogVersions(snapshots: readonly CatalogEvent[]): CatalogVersion[] {
  const ordered = [...snapshots].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const versions: CatalogVersion[] = [];
  const latest = new Map<CatalogKind, { version: CatalogVersion; snapshot: CatalogEvent }>();
  const byHash = new Map<string, CatalogVersion>();
  for (const snapshot of ordered) {
    const timeMs = Date.parse(snapshot.time);
    const key = `${snapshot.catalog_kind}/${snapshot.hash}`;
    const previous = latest.get(snapshot.catalog_kind);
    let version = byHash.get(key);
    if (version === undefined || previous?.version !== version) {
      // A hash seen before but not the latest (a server switching back) is a change again.
      version = {
        catalog_kind: snapshot.catalog_kind,
        hash: snapshot.hash,
        first_seen_ms: timeMs,
        last_seen_ms: timeMs,
        snapshots: 0,
        hosts: [],
        sessions: [],
        item_count: snapshot.item_count,
        instructions: snapshot.instructions,
        ...(previous === undefined
          ? { items_complete: !snapshot.items.truncated, added: [], removed: [], changed: [] }
          : compare(previous.snapshot, snapshot)),
      };
      versions.push(version);
      byHash.set(key, version);
    }
    version.snapshots += 1;
    version.last_seen_ms = Math.max(version.last_seen_ms, timeMs);
    if (!version.hosts.includes(snapshot.host_id)) version.hosts.push(snapshot.host_id);
    if (!version.sessions.includes(snapshot.session_id)) version.sessions.push(snapshot.session_id);
    latest.set(snapshot.catalog_kind, { version, snapshot });
  }
  return versions;
}

/** The tool (or resource, prompt) definitions of a snapshot, for display; empty when cut at the cap. */
export function catalogItems(snapshot: CatalogEvent): Item[] {
  return [...(parseItems(snapshot)?.values() ?? [])];
}
