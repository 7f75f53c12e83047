import { randomUUID } from 'node:crypto';
import {
  canonicalHash,
  canonicalJson,
  capContent,
  serverId,
  type CatalogEvent,
  type CatalogKind,
} from '../model/index.js';
import type { ServerCatalog } from './server-probe.js';

/** Catalog items are never cut short in a scan: the whole catalog is what gets checked and pinned. */
const UNCAPPED = Number.MAX_SAFE_INTEGER;

export interface ScannedIdentity {
  /** The config file: the scope of cross-server checks (one host's servers see each other). */
  config: string;
  name: string;
  /** Command line or URL, as the proxy names a server's endpoint. */
  endpoint: string;
}

/**
 * The catalog events a host would have recorded on connecting to the server: tools (carrying the
 * instructions, linted once), and prompts and resources when the server has any (or always,
 * `includeEmpty`, to compare with a pinned catalog).
 */
export function catalogEvents(
  who: ScannedIdentity,
  catalog: ServerCatalog,
  time: string,
  includeEmpty = false,
): CatalogEvent[] {
  const kinds: [CatalogKind, Record<string, unknown>[]][] = [
    ['tools', catalog.tools],
    ['prompts', catalog.prompts],
    ['resources', catalog.resources],
  ];
  return kinds
    .filter(([kind, items]) => includeEmpty || kind === 'tools' || items.length > 0)
    .map(([kind, items]) => ({
      kind: 'catalog' as const,
      event_id: randomUUID(),
      time,
      tenant: who.config,
      // A scan is made for no user: the catalogs are the servers' own.
      user_id: '',
      team: '',
      user_source: '' as const,
      host_id: 'mcptap-scan',
      session_id: 'mcptap-scan',
      turn_id: '',
      server_name: who.name,
      server_id: serverId({ name: who.name, endpoint: who.endpoint, version: catalog.version }),
      server_version: catalog.version,
      catalog_kind: kind,
      trigger: 'initialize' as const,
      hash: canonicalHash(items),
      previous_hash: '',
      item_count: items.length,
      items: capContent(canonicalJson(items), UNCAPPED),
      diff: { added: [], removed: [], changed: [] },
      instructions: kind === 'tools' ? catalog.instructions : '',
    }));
}
