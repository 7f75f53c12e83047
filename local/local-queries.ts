import type { Alert } from '../model/index.js';
import {
  recentAlerts,
  recentSessions,
  serverInventory,
  sessionTimeline,
  tenantToRead,
  type AlertFilter,
  type SessionFilter,
  type SessionSummary,
  type ServerInventoryRow,
  type Store,
  type TimelineEntry,
  type TimelineQuery,
} from '../storage/index.js';

/**
 * The read side of `mcptap local`, the same whether answered by the running process (over its
 * control API) or by opening the data directory when it is not running: the store's own queries.
 */

export interface StoredTotals {
  events: number;
  sessions: number;
  servers: string[];
  firing_alerts: number;
}

export interface LocalQueries {
  alerts(filter: AlertFilter): Promise<Alert[]>;
  session(query: TimelineQuery): Promise<TimelineEntry[]>;
  totals(): Promise<StoredTotals>;
  sessions(filter: SessionFilter): Promise<SessionSummary[]>;
  servers(tenant?: string): Promise<ServerInventoryRow[]>;
}

const SESSION_TABLES = ['tool_calls', 'content_reads', 'egress_events', 'turns', 'assistant_outputs'];
const EVENT_TABLES = [...SESSION_TABLES, 'catalog_snapshots', 'prompt_logs'];

export async function storedTotals(store: Store): Promise<StoredTotals> {
  const db = store.database;
  const count = EVENT_TABLES.map((t) => `(SELECT count() FROM ${db}.${t} FINAL)`).join(' + ');
  const sessions = SESSION_TABLES.map((t) => `SELECT tenant, session_id FROM ${db}.${t}`).join(' UNION ALL ');
  const [row] = await (
    await store.client.query({
      query: `SELECT ${count} AS events,
                (SELECT uniqExact(tenant, session_id) FROM (${sessions})) AS sessions,
                (SELECT arraySort(groupUniqArray(server_name)) FROM (
                   SELECT server_name FROM ${db}.tool_calls UNION ALL SELECT server_name FROM ${db}.catalog_snapshots
                 ) WHERE server_name != '') AS servers,
                (SELECT uniqExact(fingerprint) FROM ${db}.alerts FINAL WHERE status = 'firing') AS firing_alerts`,
      format: 'JSONEachRow',
    })
  ).json<{
    events: string | number;
    sessions: string | number;
    servers: string[];
    firing_alerts: string | number;
  }>();
  return {
    events: Number(row?.events ?? 0),
    sessions: Number(row?.sessions ?? 0),
    servers: row?.servers ?? [],
    firing_alerts: Number(row?.firing_alerts ?? 0),
  };
}

/** `query` scoped to the tenant to read: the one named, or the store's only one (else TenantRequiredError). */
async function scoped<Q extends { tenant?: string }>(store: Store, query: Q): Promise<Q> {
  const tenant = await tenantToRead(store, query.tenant);
  return tenant === undefined ? query : { ...query, tenant };
}

/** A store's reads; on a store of several tenants, alerts and a session's timeline need the tenant named. */
export function storeQueries(store: Store): LocalQueries {
  return {
    alerts: async (filter) => recentAlerts(store, await scoped(store, filter)),
    session: async (query) => sessionTimeline(store, await scoped(store, query)),
    totals: () => storedTotals(store),
    // Listings name each row's tenant: they read every tenant unless one is named.
    sessions: (filter) => recentSessions(store, filter),
    servers: (tenant) => serverInventory(store, tenant === undefined ? {} : { tenant }),
  };
}
