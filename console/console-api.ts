import type { Alert } from '../model/index.js';
import { approvalOf, type ServerPolicy } from '../detectors/index.js';
import { alertFilter } from '../local/index.js';
import {
  alertRecords,
  alertsByRule,
  catalogHistory,
  destinationSessions,
  destinationsFirstSeen,
  eventsById,
  recentAlerts,
  recentSessions,
  serverActivity,
  serversFirstSeen,
  serverInventory,
  sessionTimeline,
  userActivity,
  type SessionFilter,
  type Store,
} from '../storage/index.js';
import { catalogItems, catalogVersions } from './catalog-versions.js';
import { auditLog, auditVerification, type AuditSourcesOf } from './audit-log.js';
import { errorMessage } from '../model/index.js';

/**
 * The console's JSON API: GET /api/<view>[/<id>]?filters, each answered with the same storage
 * queries as `mcptap sessions`, `session`, `alerts` and `status`. Read-only by construction: it
 * only calls queries.
 */

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export class BadRequest extends Error {}

type Params = Record<string, string>;

/** All of time, for the queries that take a range (old servers count DateTime up to 2106). */
const ALL_TIME = { fromMs: 0, toMs: Date.UTC(2100, 0, 1) };

function limit(params: Params, fallback: number): number {
  if (params.limit === undefined || params.limit === '') return fallback;
  const value = Number(params.limit);
  if (!Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new BadRequest(`limit '${params.limit}' is not a number from 1 to 10000`);
  }
  return value;
}

const tenantOf = (params: Params) => (params.tenant ? { tenant: params.tenant } : {});

function epochMs(params: Params, name: 'from' | 'to'): { fromMs?: number; toMs?: number } {
  const text = params[name];
  if (text === undefined || text === '') return {};
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new BadRequest(`${name} '${text}' is not a time in ms since the epoch`);
  return name === 'from' ? { fromMs: value } : { toMs: value };
}

/** One alert per fingerprint, in its latest state (resolved wins over firing). */
function latestState(rows: readonly Alert[]): Alert[] {
  const byFingerprint = new Map<string, Alert>();
  for (const alert of rows) {
    const seen = byFingerprint.get(alert.fingerprint);
    if (seen === undefined || (seen.status === 'firing' && alert.status === 'resolved')) {
      byFingerprint.set(alert.fingerprint, alert);
    }
  }
  return [...byFingerprint.values()];
}

async function sessions(store: Store, params: Params): Promise<unknown> {
  const filter: SessionFilter = { ...tenantOf(params), limit: limit(params, 100) };
  if (params.search) filter.search = params.search;
  if (params.server) filter.serverName = params.server;
  if (params.rule) filter.rule = params.rule;
  if (params.user) filter.userId = params.user;
  const [list, servers, rules] = await Promise.all([
    recentSessions(store, filter),
    serversFirstSeen(store, tenantOf(params)),
    alertsByRule(store, { range: ALL_TIME, ...tenantOf(params) }),
  ]);
  return {
    sessions: list,
    servers: [...new Set(servers.map((s) => s.server_name))].sort(),
    rules: [...new Set(rules.map((r) => r.rule))].sort(),
  };
}

async function session(store: Store, id: string, params: Params): Promise<ApiAnswer> {
  const entries = await sessionTimeline(store, { sessionId: id, ...tenantOf(params) });
  if (entries.length === 0) return { status: 404, body: { error: `no events stored for session ${id}` } };
  return { status: 200, body: { session_id: id, entries } };
}

async function alerts(store: Store, params: Params): Promise<unknown> {
  let filter;
  try {
    filter = alertFilter({ ...params, limit: String(limit(params, 500)) });
  } catch (error) {
    throw new BadRequest(errorMessage(error));
  }
  const [rows, rules] = await Promise.all([
    recentAlerts(store, filter),
    alertsByRule(store, { range: ALL_TIME, ...tenantOf(params) }),
  ]);
  return { alerts: latestState(rows), rules: [...new Set(rules.map((r) => r.rule))].sort() };
}

async function alert(store: Store, fingerprint: string, params: Params): Promise<ApiAnswer> {
  const records = await alertRecords(store, { fingerprint, ...tenantOf(params) });
  const [first] = records;
  if (first === undefined)
    return { status: 404, body: { error: `no alert with fingerprint ${fingerprint}` } };
  const evidence = await eventsById(store, { eventIds: first.evidence_event_ids, tenant: first.tenant });
  return { status: 200, body: { alert: latestState(records)[0], records, evidence } };
}

async function servers(store: Store, params: Params, policy: ServerPolicy | null): Promise<unknown> {
  const [seen, activity, inventory] = await Promise.all([
    serversFirstSeen(store, tenantOf(params)),
    serverActivity(store, tenantOf(params)),
    serverInventory(store, tenantOf(params)),
  ]);
  const activityOf = new Map(activity.map((a) => [`${a.tenant}\u0000${a.server_id}`, a]));
  // Approval needs every version and the latest catalogs of the server, which the inventory has.
  const inventoryOf = new Map(inventory.map((i) => [`${i.tenant}\u0000${i.server_id}`, i]));
  return {
    servers: seen
      .map((s) => {
        const a = activityOf.get(`${s.tenant}\u0000${s.server_id}`);
        const i = inventoryOf.get(`${s.tenant}\u0000${s.server_id}`);
        return {
          ...s,
          ...approvalOf(policy, {
            server_name: s.server_name,
            server_id: s.server_id,
            versions: i?.versions ?? [s.server_version],
            catalogs: i?.catalogs ?? {},
          }),
          calls: a?.calls ?? 0,
          errors: a?.errors ?? 0,
          sessions: a?.sessions ?? 0,
          catalog_changes: a?.catalog_changes ?? 0,
        };
      })
      .sort((a, b) => b.last_seen_ms - a.last_seen_ms || a.server_name.localeCompare(b.server_name)),
  };
}

async function server(store: Store, serverId: string, params: Params): Promise<ApiAnswer> {
  const [history, seen] = await Promise.all([
    catalogHistory(store, { serverId, ...tenantOf(params), limit: 5000 }),
    serversFirstSeen(store, tenantOf(params)),
  ]);
  const info = seen.find((s) => s.server_id === serverId);
  if (info === undefined) return { status: 404, body: { error: `no server with id ${serverId}` } };
  const last = history.at(-1);
  return {
    status: 200,
    body: {
      server: info,
      versions: catalogVersions(history).reverse(),
      current_items: last === undefined ? [] : catalogItems(last),
    },
  };
}

async function destinations(store: Store, params: Params): Promise<unknown> {
  const [seen, sessionsOf] = await Promise.all([
    destinationsFirstSeen(store, tenantOf(params)),
    destinationSessions(store, tenantOf(params)),
  ]);
  const bySession = new Map(sessionsOf.map((d) => [`${d.tenant}\u0000${d.dest_host}`, d.sessions]));
  return {
    destinations: seen
      .map((d) => ({ ...d, sessions: bySession.get(`${d.tenant}\u0000${d.dest_host}`) ?? [] }))
      .sort((a, b) => b.last_seen_ms - a.last_seen_ms || a.dest_host.localeCompare(b.dest_host)),
  };
}

async function users(store: Store, params: Params): Promise<unknown> {
  return { users: await userActivity(store, tenantOf(params)) };
}

/** One user: the activity summary, their sessions, and the alerts raised on their events. */
async function user(store: Store, userId: string, params: Params): Promise<ApiAnswer> {
  const [activity, sessionList, alertRows] = await Promise.all([
    userActivity(store, { ...tenantOf(params), userId }),
    recentSessions(store, { ...tenantOf(params), userId, limit: 100 }),
    recentAlerts(store, { ...tenantOf(params), userId, limit: 500 }),
  ]);
  if (activity.length === 0) return { status: 404, body: { error: `no user '${userId}' in the store` } };
  return { status: 200, body: { user: activity[0], sessions: sessionList, alerts: latestState(alertRows) } };
}

/** The audit log per tenant, the newest segments first. */
async function audit(store: Store, params: Params): Promise<unknown> {
  return { tenants: await auditLog(store, params.tenant || undefined, limit(params, 50)) };
}

export interface ApiContext {
  /** The approved-server policy the servers view judges against (none: every server `no_policy`). */
  policy?: ServerPolicy | null;
  /** The audit public key and checkpoint copies the audit view verifies with (none: it cannot verify). */
  audit?: AuditSourcesOf;
}

/** Answers GET /api/...; `path` is the URL path below /api/, still percent-encoded. */
export async function answerApi(
  store: Store,
  path: string,
  params: Params,
  context: ApiContext = {},
): Promise<ApiAnswer> {
  const policy = context.policy ?? null;
  const [view, encodedId, ...rest] = path.split('/');
  if (rest.length > 0) return { status: 404, body: { error: `no /api/${path}` } };
  let id: string | undefined;
  try {
    id = encodedId === undefined || encodedId === '' ? undefined : decodeURIComponent(encodedId);
  } catch {
    throw new BadRequest(`'${encodedId}' is not a valid percent-encoded id`);
  }
  switch (view) {
    case 'sessions':
      return id === undefined
        ? { status: 200, body: await sessions(store, params) }
        : session(store, id, params);
    case 'alerts':
      return id === undefined ? { status: 200, body: await alerts(store, params) } : alert(store, id, params);
    case 'servers':
      return id === undefined
        ? { status: 200, body: await servers(store, params, policy) }
        : server(store, id, params);
    case 'destinations':
      if (id === undefined) return { status: 200, body: await destinations(store, params) };
      break;
    case 'users':
      return id === undefined ? { status: 200, body: await users(store, params) } : user(store, id, params);
    case 'audit':
      if (id === undefined) return { status: 200, body: await audit(store, params) };
      if (id === 'verify')
        return {
          status: 200,
          body: await auditVerification(
            store,
            { ...tenantOf(params), ...epochMs(params, 'from'), ...epochMs(params, 'to') },
            context.audit,
          ),
        };
      break;
  }
  return {
    status: 404,
    body: {
      error: `no /api/${path}: try /api/sessions, /api/alerts, /api/servers, /api/destinations, /api/users or /api/audit`,
    },
  };
}
