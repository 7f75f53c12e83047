import { canonicalJson, type CatalogDiff, type CatalogKind, isRecord } from '../model/index.js';

const MAX_FIELD_DEPTH = 4;
const MAX_FIELDS_PER_ITEM = 32;

/** What names an item within its catalog: a tool's or prompt's name, a resource's URI. */
export function catalogItemKey(kind: CatalogKind, item: unknown): string {
  if (!isRecord(item)) return canonicalJson(item);
  const key = kind === 'resources' ? (item.uri ?? item.name) : item.name;
  return typeof key === 'string' ? key : canonicalJson(key);
}

/**
 * Dotted paths of the fields that differ, down to `MAX_FIELD_DEPTH` levels:
 * `description`, `annotations.readOnlyHint`, `inputSchema.properties.path.description`.
 */
function changedFields(before: unknown, after: unknown, path: string, depth: number, out: string[]): void {
  if (out.length >= MAX_FIELDS_PER_ITEM || canonicalJson(before) === canonicalJson(after)) return;
  if (!isRecord(before) || !isRecord(after) || depth >= MAX_FIELD_DEPTH) {
    out.push(path);
    return;
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys)
    changedFields(before[key], after[key], path === '' ? key : `${path}.${key}`, depth + 1, out);
}

export function diffCatalogs(
  kind: CatalogKind,
  previous: readonly unknown[],
  current: readonly unknown[],
): CatalogDiff {
  const index = (items: readonly unknown[]) =>
    new Map(items.map((item) => [catalogItemKey(kind, item), item]));
  const before = index(previous);
  const after = index(current);
  const diff: CatalogDiff = { added: [], removed: [], changed: [] };
  for (const [key, item] of after) {
    if (!before.has(key)) {
      diff.added.push(key);
      continue;
    }
    const fields: string[] = [];
    changedFields(before.get(key), item, '', 0, fields);
    if (fields.length > 0) diff.changed.push({ name: key, fields });
  }
  for (const key of before.keys()) if (!after.has(key)) diff.removed.push(key);
  return diff;
}
