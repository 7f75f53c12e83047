import type { CatalogEvent } from '../../model/index.js';

/** A catalog item as listed: tools, resources and prompts all have a name and a description. */
export interface CatalogItem {
  name: string;
  description: string;
  raw: Record<string, unknown>;
}

const parsed = new WeakMap<CatalogEvent, CatalogItem[]>();

/**
 * The items of a catalog event, parsed once per event for all catalog detectors. A truncated
 * catalog (over the extractor's cap) yields the items that parse: none — the drift detector still
 * sees the hash change.
 */
export function catalogItems(event: CatalogEvent): CatalogItem[] {
  const cached = parsed.get(event);
  if (cached !== undefined) return cached;
  let items: CatalogItem[] = [];
  try {
    const value: unknown = JSON.parse(event.items.text);
    if (Array.isArray(value)) {
      items = value
        .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
        .map((raw) => ({
          name: typeof raw.name === 'string' ? raw.name : typeof raw.uri === 'string' ? raw.uri : '',
          description: typeof raw.description === 'string' ? raw.description : '',
          raw,
        }));
    }
  } catch {
    items = [];
  }
  parsed.set(event, items);
  return items;
}
