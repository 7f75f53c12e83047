import {
  canonicalHash,
  isRecord,
  serverId,
  type CatalogDiff,
  type CatalogKind,
  type CatalogTrigger,
} from '../model/index.js';
import { diffCatalogs } from './catalog-diff.js';
import { stringField, type JsonObject } from './json-fields.js';

/** What names a server in its events. */
export interface ServerIdentity {
  name: string;
  id: string;
  version: string;
}

/** A catalog as listed (every page), against the one listed before it. */
export interface CatalogChange {
  kind: CatalogKind;
  trigger: CatalogTrigger;
  hash: string;
  /** Empty for the server's first list of this kind. */
  previousHash: string;
  items: unknown[];
  diff: CatalogDiff;
  instructions: string;
}

interface ServerState extends ServerIdentity {
  instructions: string;
  initialized: boolean;
  catalogs: Map<CatalogKind, { hash: string; items: unknown[] }>;
  /** Why the next list of a kind is read, when it is not a plain request. */
  nextTrigger: Map<CatalogKind, CatalogTrigger>;
  /** Items of earlier pages while a paginated list is being read. */
  pages: Map<CatalogKind, unknown[]>;
}

const LIST_METHODS: Readonly<Record<string, CatalogKind>> = {
  'tools/list': 'tools',
  'resources/list': 'resources',
  'prompts/list': 'prompts',
};
const LIST_CHANGED: Readonly<Record<string, CatalogKind>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/resources/list_changed': 'resources',
  'notifications/prompts/list_changed': 'prompts',
};

export const LIST_METHOD_NAMES: readonly string[] = Object.keys(LIST_METHODS);

/** The catalog a list request reads (`tools/list` → `tools`); undefined for any other method. */
export function listedCatalogKind(method: string): CatalogKind | undefined {
  return LIST_METHODS[method];
}

/**
 * Each server's identity and catalogs, by the name the host gave it: its version and instructions
 * from `initialize`, why each list is read (first after initialize or a reconnect, after a
 * `list_changed` notification, or on request), pages put together, and each complete list compared
 * with the one before. Pure: the endpoint (part of a server's identity) comes from `endpointFor`.
 */
export class CatalogTracking {
  private readonly servers = new Map<string, ServerState>();

  constructor(private readonly endpointFor: (server: string) => string) {}

  server(name: string): ServerIdentity {
    return this.state(name);
  }

  /** A successful `initialize` result: the server's version and instructions; its next lists are its first. */
  initialized(name: string, result: JsonObject): void {
    const server = this.state(name);
    const info = isRecord(result.serverInfo) ? result.serverInfo : {};
    server.version = stringField(info.version);
    server.id = serverId({ name, endpoint: this.endpointFor(name), version: server.version });
    server.instructions = stringField(result.instructions);
    const trigger: CatalogTrigger = server.initialized ? 'reconnect' : 'initialize';
    server.initialized = true;
    server.pages.clear();
    for (const kind of Object.values(LIST_METHODS)) server.nextTrigger.set(kind, trigger);
  }

  /** A notification from the server; a `list_changed` makes the next list of its kind a change. */
  notified(name: string, method: string): void {
    const server = this.state(name);
    const kind = LIST_CHANGED[method];
    if (kind === undefined) return;
    // A change announced before the first list since initialize does not make that list a change.
    const pending = server.nextTrigger.get(kind);
    if (pending !== 'initialize' && pending !== 'reconnect') server.nextTrigger.set(kind, 'list_changed');
  }

  /**
   * A successful list result (one page). Returns the catalog once its last page is in; null while
   * more pages follow. A request without `cursor` starts the list afresh.
   */
  listed(name: string, kind: CatalogKind, cursor: unknown, result: JsonObject): CatalogChange | null {
    const server = this.state(name);
    const page = Array.isArray(result[kind]) ? (result[kind] as unknown[]) : [];
    const items = [...(cursor === undefined ? [] : (server.pages.get(kind) ?? [])), ...page];
    if (typeof result.nextCursor === 'string' && result.nextCursor !== '') {
      server.pages.set(kind, items);
      return null;
    }
    server.pages.delete(kind);
    const previous = server.catalogs.get(kind);
    const hash = canonicalHash(items);
    server.catalogs.set(kind, { hash, items });
    const trigger = server.nextTrigger.get(kind) ?? 'request';
    server.nextTrigger.delete(kind);
    return {
      kind,
      trigger,
      hash,
      previousHash: previous?.hash ?? '',
      items,
      diff:
        previous === undefined
          ? { added: [], removed: [], changed: [] }
          : diffCatalogs(kind, previous.items, items),
      instructions: server.instructions,
    };
  }

  private state(name: string): ServerState {
    let state = this.servers.get(name);
    if (state === undefined) {
      state = {
        name,
        version: '',
        id: serverId({ name, endpoint: this.endpointFor(name) }),
        instructions: '',
        initialized: false,
        catalogs: new Map(),
        nextTrigger: new Map(),
        pages: new Map(),
      };
      this.servers.set(name, state);
    }
    return state;
  }
}
