import { SEVERITIES, type Alert, type CatalogEvent, type McpEvent, type Severity } from '../model/index.js';
import { QueryBuilder } from './query-builder.js';
import { rowToRecord, selectList, timeMsExpression, TIME_MS_ALIAS, type Row } from './row-codec.js';
import type { Store } from './store.js';
import { STORE_TABLES, TABLE_SPECS, type StoreTable } from './tables.js';

/**
 * Named queries shared by the dashboards, the forensics commands and the embedded mode. Every one
 * reads with FINAL, so a redelivered event never counts twice.
 */

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface Scope {
  tenant?: string;
  hostId?: string;
  serverName?: string;
  tool?: string;
}

function conditions(
  qb: QueryBuilder,
  range: TimeRange | undefined,
  scope: Scope,
  columns: Set<string>,
): string {
  const where = ['1'];
  if (range !== undefined) where.push(`time >= ${qb.time(range.fromMs)}`, `time < ${qb.time(range.toMs)}`);
  const scoped: [string, string | undefined][] = [
    ['tenant', scope.tenant],
    ['host_id', scope.hostId],
    ['server_name', scope.serverName],
    ['tool', scope.tool],
  ];
  for (const [column, value] of scoped) {
    if (value !== undefined && columns.has(column)) where.push(`${column} = ${qb.value(value, 'String')}`);
  }
  return where.join(' AND ');
}

const toolCallColumns = new Set(TABLE_SPECS.tool_calls.columns.map((c) => c.name));

async function select<T>(store: Store, qb: QueryBuilder, sql: string): Promise<T[]> {
  return (await store.client.query({ ...qb.build(sql), format: 'JSONEachRow' })).json<T>();
}

export interface ToolCallBucket {
  bucket_ms: number;
  server_name: string;
  tool: string;
  calls: number;
  errors: number;
}

/** Tool calls per time bucket, by server and tool. */
export async function toolCallsOverTime(
  store: Store,
  options: { range: TimeRange; scope?: Scope; bucketSeconds: number },
): Promise<ToolCallBucket[]> {
  const qb = new QueryBuilder(store.flavor);
  const bucket = qb.value(Math.max(1, Math.trunc(options.bucketSeconds)), 'UInt64');
  const rows = await select<Record<keyof ToolCallBucket, string | number>>(
    store,
    qb,
    `SELECT intDiv(toUInt64(toUnixTimestamp(time)), ${bucket}) * ${bucket} * 1000 AS bucket_ms,
            server_name, tool, count() AS calls, sum(is_error) AS errors
     FROM ${store.database}.tool_calls FINAL
     WHERE ${conditions(qb, options.range, options.scope ?? {}, toolCallColumns)}
     GROUP BY bucket_ms, server_name, tool ORDER BY bucket_ms, server_name, tool`,
  );
  return rows.map((r) => ({
    bucket_ms: Number(r.bucket_ms),
    server_name: String(r.server_name),
    tool: String(r.tool),
    calls: Number(r.calls),
    errors: Number(r.errors),
  }));
}

export interface ToolStats {
  server_name: string;
  tool: string;
  calls: number;
  errors: number;
  error_rate: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
}

/** Calls, error rate and latency quantiles per server and tool. */
export async function toolStats(
  store: Store,
  options: { range: TimeRange; scope?: Scope },
): Promise<ToolStats[]> {
  const qb = new QueryBuilder(store.flavor);
  const rows = await select<{
    server_name: string;
    tool: string;
    calls: string | number;
    errors: string | number;
    q: number[];
  }>(
    store,
    qb,
    `SELECT server_name, tool, count() AS calls, sum(is_error) AS errors,
            quantilesExact(0.5, 0.9, 0.99)(duration_ms) AS q
     FROM ${store.database}.tool_calls FINAL
     WHERE ${conditions(qb, options.range, options.scope ?? {}, toolCallColumns)}
     GROUP BY server_name, tool ORDER BY calls DESC, server_name, tool`,
  );
  return rows.map((r) => {
    const calls = Number(r.calls);
    const errors = Number(r.errors);
    return {
      server_name: r.server_name,
      tool: r.tool,
      calls,
      errors,
      error_rate: calls === 0 ? 0 : errors / calls,
      p50_ms: Number(r.q[0]),
      p90_ms: Number(r.q[1]),
      p99_ms: Number(r.q[2]),
    };
  });
}

/** Catalog snapshots whose hash differs from the previous one (rug pulls, drifts), with their diff. */
export async function catalogChanges(
  store: Store,
  options: { range: TimeRange; scope?: Scope; limit?: number },
): Promise<CatalogEvent[]> {
  const spec = TABLE_SPECS.catalog_snapshots;
  const qb = new QueryBuilder(store.flavor);
  const columns = new Set(spec.columns.map((c) => c.name));
  const rows = await select<Row>(
    store,
    qb,
    `SELECT ${selectList(spec, store.flavor).join(', ')} FROM ${store.database}.catalog_snapshots FINAL
     WHERE ${conditions(qb, options.range, options.scope ?? {}, columns)} AND previous_hash != '' AND hash != previous_hash
     ORDER BY ${TIME_MS_ALIAS} DESC LIMIT ${qb.value(options.limit ?? 1000, 'UInt64')}`,
  );
  return rows.map((row) => rowToRecord(spec, row) as CatalogEvent);
}

export interface ServerFirstSeen {
  tenant: string;
  server_id: string;
  server_name: string;
  server_version: string;
  first_seen_ms: number;
  last_seen_ms: number;
  hosts: number;
}

/** Every server seen (in catalogs or tool calls), when first and last, on how many hosts. */
export async function serversFirstSeen(
  store: Store,
  options: { range?: TimeRange; tenant?: string } = {},
): Promise<ServerFirstSeen[]> {
  const qb = new QueryBuilder(store.flavor);
  const scope = { tenant: options.tenant };
  const part = (table: 'tool_calls' | 'catalog_snapshots') =>
    `SELECT tenant, server_id, server_name, server_version, host_id, ${timeMsExpression(store.flavor)}
     FROM ${store.database}.${table} FINAL
     WHERE ${conditions(qb, options.range, scope, new Set(['tenant']))} AND server_id != ''`;
  const rows = await select<Record<keyof ServerFirstSeen, string | number>>(
    store,
    qb,
    `SELECT tenant, server_id, any(server_name) AS server_name, any(server_version) AS server_version,
            min(${TIME_MS_ALIAS}) AS first_seen_ms, max(${TIME_MS_ALIAS}) AS last_seen_ms, uniqExact(host_id) AS hosts
     FROM (${part('catalog_snapshots')} UNION ALL ${part('tool_calls')})
     GROUP BY tenant, server_id ORDER BY first_seen_ms, server_id`,
  );
  return rows.map((r) => ({
    tenant: String(r.tenant),
    server_id: String(r.server_id),
    server_name: String(r.server_name),
    server_version: String(r.server_version),
    first_seen_ms: Number(r.first_seen_ms),
    last_seen_ms: Number(r.last_seen_ms),
    hosts: Number(r.hosts),
  }));
}

export interface ServerInventoryRow {
  tenant: string;
  server_name: string;
  server_id: string;
  /** Every version seen, sorted. */
  versions: string[];
  /** How many hosts ran it, and up to `MAX_INVENTORY_HOSTS` of them, sorted. */
  host_count: number;
  hosts: string[];
  first_seen_ms: number;
  last_seen_ms: number;
  /** The latest catalog hash per catalog kind (`tools`, `resources`, `prompts`). */
  catalogs: Record<string, string>;
  /** Distinct catalog hashes seen, all kinds. */
  catalog_hashes: number;
}

const MAX_INVENTORY_HOSTS = 20;

/**
 * The fleet's servers (`mcptap servers`): per tenant, name and identity, the versions and hosts
 * that ran it, first and last seen (catalogs and tool calls), and its latest catalog hash per kind.
 */
export async function serverInventory(
  store: Store,
  options: { tenant?: string } = {},
): Promise<ServerInventoryRow[]> {
  const qb = new QueryBuilder(store.flavor);
  const where = `${conditions(qb, undefined, { tenant: options.tenant }, new Set(['tenant']))} AND server_name != ''`;
  const part = (table: 'tool_calls' | 'catalog_snapshots') =>
    `SELECT tenant, server_name, server_id, server_version, host_id, ${timeMsExpression(store.flavor)}
     FROM ${store.database}.${table} FINAL WHERE ${where}`;
  const servers = await select<Record<string, string | number | string[]>>(
    store,
    qb,
    `SELECT tenant, server_name, server_id, arraySort(groupUniqArray(server_version)) AS versions,
            uniqExact(host_id) AS host_count, arraySlice(arraySort(groupUniqArray(host_id)), 1, ${MAX_INVENTORY_HOSTS}) AS hosts,
            min(${TIME_MS_ALIAS}) AS first_seen_ms, max(${TIME_MS_ALIAS}) AS last_seen_ms
     FROM (${part('catalog_snapshots')} UNION ALL ${part('tool_calls')})
     GROUP BY tenant, server_name, server_id ORDER BY tenant, server_name, server_id`,
  );
  const catalogs = await select<Record<string, string | number>>(
    store,
    qb,
    `SELECT tenant, server_name, server_id, catalog_kind, argMax(hash, ${TIME_MS_ALIAS}) AS latest_hash,
            uniqExact(hash) AS hash_count
     FROM (SELECT tenant, server_name, server_id, catalog_kind, hash, ${timeMsExpression(store.flavor)}
           FROM ${store.database}.catalog_snapshots FINAL WHERE ${where})
     GROUP BY tenant, server_name, server_id, catalog_kind`,
  );
  const key = (r: Record<string, unknown>) =>
    `${String(r.tenant)}\u0000${String(r.server_name)}\u0000${String(r.server_id)}`;
  const catalogsOf = new Map<string, { catalogs: Record<string, string>; hashes: number }>();
  for (const c of catalogs) {
    const entry = catalogsOf.get(key(c)) ?? { catalogs: {}, hashes: 0 };
    entry.catalogs[String(c.catalog_kind)] = String(c.latest_hash);
    entry.hashes += Number(c.hash_count);
    catalogsOf.set(key(c), entry);
  }
  return servers.map((r) => ({
    tenant: String(r.tenant),
    server_name: String(r.server_name),
    server_id: String(r.server_id),
    versions: r.versions as string[],
    host_count: Number(r.host_count),
    hosts: r.hosts as string[],
    first_seen_ms: Number(r.first_seen_ms),
    last_seen_ms: Number(r.last_seen_ms),
    catalogs: catalogsOf.get(key(r))?.catalogs ?? {},
    catalog_hashes: catalogsOf.get(key(r))?.hashes ?? 0,
  }));
}

export interface DestinationFirstSeen {
  tenant: string;
  dest_host: string;
  first_seen_ms: number;
  last_seen_ms: number;
  events: number;
  channels: string[];
  servers: string[];
}

/** Every outbound destination host, when first and last seen, through which channels and servers. */
export async function destinationsFirstSeen(
  store: Store,
  options: { range?: TimeRange; tenant?: string } = {},
): Promise<DestinationFirstSeen[]> {
  const qb = new QueryBuilder(store.flavor);
  const rows = await select<{
    tenant: string;
    dest_host: string;
    first_seen_ms: string | number;
    last_seen_ms: string | number;
    events: string | number;
    channels: string[];
    servers: string[];
  }>(
    store,
    qb,
    `SELECT tenant, dest_host, min(${TIME_MS_ALIAS}) AS first_seen_ms, max(${TIME_MS_ALIAS}) AS last_seen_ms,
            count() AS events, arraySort(groupUniqArray(channel)) AS channels,
            arraySort(groupUniqArray(server_name)) AS servers
     FROM (SELECT tenant, dest_host, channel, server_name, ${timeMsExpression(store.flavor)}
           FROM ${store.database}.egress_events FINAL
           WHERE ${conditions(qb, options.range, { tenant: options.tenant }, new Set(['tenant']))})
     GROUP BY tenant, dest_host ORDER BY first_seen_ms, dest_host`,
  );
  return rows.map((r) => ({
    tenant: r.tenant,
    dest_host: r.dest_host,
    first_seen_ms: Number(r.first_seen_ms),
    last_seen_ms: Number(r.last_seen_ms),
    events: Number(r.events),
    channels: r.channels,
    servers: r.servers.filter((s) => s !== ''),
  }));
}

export interface AlertCount {
  rule: string;
  severity: Severity;
  alerts: number;
}

/** Distinct firing alerts (by fingerprint) per rule and severity. */
export async function alertsByRule(
  store: Store,
  options: { range: TimeRange; tenant?: string },
): Promise<AlertCount[]> {
  const qb = new QueryBuilder(store.flavor);
  const rows = await select<{ rule: string; severity: Severity; alerts: string | number }>(
    store,
    qb,
    `SELECT rule, severity, uniqExact(fingerprint) AS alerts FROM ${store.database}.alerts FINAL
     WHERE ${conditions(qb, options.range, { tenant: options.tenant }, new Set(['tenant']))} AND status = 'firing'
     GROUP BY rule, severity ORDER BY alerts DESC, rule, severity`,
  );
  return rows.map((r) => ({ rule: r.rule, severity: r.severity, alerts: Number(r.alerts) }));
}

export interface AlertFilter {
  range?: TimeRange;
  tenant?: string;
  rule?: string;
  /** This severity and above. */
  minSeverity?: Severity;
  serverName?: string;
  sessionId?: string;
  /** Alerts raised on this user's events (as the host asserted the user). */
  userId?: string;
  limit?: number;
}

/** The most recent alerts, newest first, filtered by rule, severity, server, session or user. */
export async function recentAlerts(store: Store, filter: AlertFilter = {}): Promise<Alert[]> {
  const spec = TABLE_SPECS.alerts;
  const qb = new QueryBuilder(store.flavor);
  const where = [
    conditions(
      qb,
      filter.range,
      { tenant: filter.tenant, serverName: filter.serverName },
      new Set(['tenant', 'server_name']),
    ),
  ];
  if (filter.rule !== undefined) where.push(`rule = ${qb.value(filter.rule, 'String')}`);
  if (filter.sessionId !== undefined) where.push(`session_id = ${qb.value(filter.sessionId, 'String')}`);
  if (filter.userId !== undefined) where.push(`user_id = ${qb.value(filter.userId, 'String')}`);
  if (filter.minSeverity !== undefined) {
    const allowed = SEVERITIES.slice(SEVERITIES.indexOf(filter.minSeverity));
    where.push(`has(${qb.value(allowed, 'Array(String)')}, severity)`);
  }
  const rows = await select<Row>(
    store,
    qb,
    `SELECT ${selectList(spec, store.flavor).join(', ')} FROM ${store.database}.alerts FINAL
     WHERE ${where.join(' AND ')}
     ORDER BY ${TIME_MS_ALIAS} DESC, fingerprint LIMIT ${qb.value(filter.limit ?? 100, 'UInt64')}`,
  );
  return rows.map((row) => rowToRecord(spec, row) as Alert);
}

/** Session tables and the server each row names ('' where a kind has no server). */
const SESSION_SOURCES: readonly { table: StoreTable; server: string; tool: string }[] = [
  { table: 'tool_calls', server: 'server_name', tool: 'tool' },
  { table: 'content_reads', server: 'server_name', tool: "''" },
  { table: 'catalog_snapshots', server: 'server_name', tool: "''" },
  { table: 'egress_events', server: 'server_name', tool: 'tool' },
  { table: 'turns', server: "''", tool: "''" },
  { table: 'assistant_outputs', server: "''", tool: "''" },
  { table: 'prompt_logs', server: "''", tool: "''" },
];

export interface SessionFilter {
  tenant?: string;
  /** Case-insensitive substring of the session id, a host, a user, a server or a tool name. */
  search?: string;
  serverName?: string;
  /** Sessions made for this user (as the host asserted it). */
  userId?: string;
  /** Sessions with an alert of this rule. */
  rule?: string;
  limit?: number;
}

export interface SessionSummary {
  tenant: string;
  session_id: string;
  first_seen_ms: number;
  last_seen_ms: number;
  hosts: string[];
  /** The users (and their teams) the session's calls were made for; empty when none was known. */
  users: string[];
  teams: string[];
  servers: string[];
  events: number;
  /** Distinct alerts (by fingerprint) of the session, firing or resolved. */
  alerts: number;
  rules: string[];
}

/** Recent sessions, most recently active first: when, where, which servers, how many events and alerts. */
export async function recentSessions(store: Store, filter: SessionFilter = {}): Promise<SessionSummary[]> {
  const qb = new QueryBuilder(store.flavor);
  const db = store.database;
  const tenantOnly = new Set(['tenant']);
  const scope = { tenant: filter.tenant };
  const union = SESSION_SOURCES.map(
    (s) =>
      `SELECT tenant, session_id, host_id, user_id, team, ${s.server} AS server_name, ${s.tool} AS tool, ${timeMsExpression(store.flavor)}
       FROM ${db}.${s.table} FINAL WHERE ${conditions(qb, undefined, scope, tenantOnly)}`,
  ).join(' UNION ALL ');
  const having = ['1'];
  if (filter.search !== undefined && filter.search !== '') {
    const needle = qb.value(filter.search.toLowerCase(), 'String');
    having.push(
      `arrayExists(x -> position(lowerUTF8(x), ${needle}) > 0, arrayConcat([session_id], hosts, users, servers, tools))`,
    );
  }
  if (filter.serverName !== undefined) having.push(`has(servers, ${qb.value(filter.serverName, 'String')})`);
  if (filter.userId !== undefined) having.push(`has(users, ${qb.value(filter.userId, 'String')})`);
  const alertWhere = conditions(qb, undefined, scope, tenantOnly);
  const ruleCondition =
    filter.rule === undefined
      ? ''
      : `AND (tenant, session_id) IN (SELECT tenant, session_id FROM ${db}.alerts FINAL
                                     WHERE ${alertWhere} AND rule = ${qb.value(filter.rule, 'String')})`;
  const rows = await select<{
    tenant: string;
    session_id: string;
    first_seen_ms: string | number;
    last_seen_ms: string | number;
    hosts: string[];
    users: string[];
    teams: string[];
    servers: string[];
    events: string | number;
  }>(
    store,
    qb,
    `SELECT tenant, session_id, min(${TIME_MS_ALIAS}) AS first_seen_ms, max(${TIME_MS_ALIAS}) AS last_seen_ms,
            count() AS events, arraySort(groupUniqArray(host_id)) AS hosts,
            arrayFilter(x -> x != '', arraySort(groupUniqArray(user_id))) AS users,
            arrayFilter(x -> x != '', arraySort(groupUniqArray(team))) AS teams,
            arrayFilter(x -> x != '', arraySort(groupUniqArray(server_name))) AS servers,
            arrayFilter(x -> x != '', groupUniqArray(tool)) AS tools
     FROM (${union})
     WHERE session_id != '' ${ruleCondition}
     GROUP BY tenant, session_id
     HAVING ${having.join(' AND ')}
     ORDER BY last_seen_ms DESC, session_id LIMIT ${qb.value(filter.limit ?? 50, 'UInt64')}`,
  );
  if (rows.length === 0) return [];
  const aq = new QueryBuilder(store.flavor);
  const alerts = await select<{
    tenant: string;
    session_id: string;
    alerts: string | number;
    rules: string[];
  }>(
    store,
    aq,
    `SELECT tenant, session_id, uniqExact(fingerprint) AS alerts, arraySort(groupUniqArray(rule)) AS rules
     FROM ${db}.alerts FINAL
     WHERE ${conditions(aq, undefined, scope, tenantOnly)}
       AND has(${aq.value([...new Set(rows.map((r) => r.session_id))], 'Array(String)')}, session_id)
     GROUP BY tenant, session_id`,
  );
  const alertsOf = new Map(alerts.map((a) => [`${a.tenant}\u0000${a.session_id}`, a]));
  return rows.map((r) => {
    const a = alertsOf.get(`${r.tenant}\u0000${r.session_id}`);
    return {
      tenant: r.tenant,
      session_id: r.session_id,
      first_seen_ms: Number(r.first_seen_ms),
      last_seen_ms: Number(r.last_seen_ms),
      hosts: r.hosts,
      users: r.users,
      teams: r.teams,
      servers: r.servers,
      events: Number(r.events),
      alerts: Number(a?.alerts ?? 0),
      rules: a?.rules ?? [],
    };
  });
}

/** Every stored row of one alert (its firing and, once resolved, its resolved record), oldest first. */
export async function alertRecords(
  store: Store,
  options: { fingerprint: string; tenant?: string },
): Promise<Alert[]> {
  const spec = TABLE_SPECS.alerts;
  const qb = new QueryBuilder(store.flavor);
  const rows = await select<Row>(
    store,
    qb,
    `SELECT ${selectList(spec, store.flavor).join(', ')} FROM ${store.database}.alerts FINAL
     WHERE ${conditions(qb, undefined, { tenant: options.tenant }, new Set(['tenant']))}
       AND fingerprint = ${qb.value(options.fingerprint, 'String')}
     ORDER BY ${TIME_MS_ALIAS}, status`,
  );
  return rows.map((row) => rowToRecord(spec, row) as Alert);
}

export interface StoredEvent {
  time_ms: number;
  table: StoreTable;
  record: McpEvent;
}

/** The events with these ids (an alert's evidence), in time order. */
export async function eventsById(
  store: Store,
  options: { eventIds: readonly string[]; tenant?: string },
): Promise<StoredEvent[]> {
  if (options.eventIds.length === 0) return [];
  const perTable = await Promise.all(
    STORE_TABLES.filter((table) => table !== 'alerts').map(async (table) => {
      const spec = TABLE_SPECS[table];
      const qb = new QueryBuilder(store.flavor);
      const rows = await select<Row>(
        store,
        qb,
        `SELECT ${selectList(spec, store.flavor).join(', ')} FROM ${store.database}.${table} FINAL
         WHERE ${conditions(qb, undefined, { tenant: options.tenant }, new Set(['tenant']))}
           AND has(${qb.value([...options.eventIds], 'Array(String)')}, event_id)`,
      );
      return rows.map((row) => ({
        time_ms: Number(row[TIME_MS_ALIAS]),
        table,
        record: rowToRecord(spec, row) as McpEvent,
      }));
    }),
  );
  return perTable.flat().sort((a, b) => a.time_ms - b.time_ms || a.table.localeCompare(b.table));
}

/** Every catalog snapshot of one server, oldest first (unchanged re-listings included). */
export async function catalogHistory(
  store: Store,
  options: { serverId: string; tenant?: string; limit?: number },
): Promise<CatalogEvent[]> {
  const spec = TABLE_SPECS.catalog_snapshots;
  const qb = new QueryBuilder(store.flavor);
  const rows = await select<Row>(
    store,
    qb,
    `SELECT ${selectList(spec, store.flavor).join(', ')} FROM ${store.database}.catalog_snapshots FINAL
     WHERE ${conditions(qb, undefined, { tenant: options.tenant }, new Set(['tenant']))}
       AND server_id = ${qb.value(options.serverId, 'String')}
     ORDER BY ${TIME_MS_ALIAS}, event_id LIMIT ${qb.value(options.limit ?? 1000, 'UInt64')}`,
  );
  return rows.map((row) => rowToRecord(spec, row) as CatalogEvent);
}

export interface ServerActivity {
  tenant: string;
  server_id: string;
  calls: number;
  errors: number;
  sessions: number;
  /** Catalog snapshots whose hash differs from the previous one. */
  catalog_changes: number;
}

/** Per server: tool calls, errors, sessions and catalog changes (the servers view's counts). */
export async function serverActivity(
  store: Store,
  options: { tenant?: string } = {},
): Promise<ServerActivity[]> {
  const qb = new QueryBuilder(store.flavor);
  const db = store.database;
  const where = conditions(qb, undefined, { tenant: options.tenant }, new Set(['tenant']));
  const rows = await select<Record<keyof ServerActivity, string | number>>(
    store,
    qb,
    `SELECT tenant, server_id, sum(call) AS calls, sum(error) AS errors,
            uniqExactIf(session_id, call = 1) AS sessions, sum(change) AS catalog_changes
     FROM (SELECT tenant, server_id, session_id, toUInt64(1) AS call, toUInt64(is_error) AS error, toUInt64(0) AS change
           FROM ${db}.tool_calls FINAL WHERE ${where}
           UNION ALL
           SELECT tenant, server_id, session_id, toUInt64(0) AS call, toUInt64(0) AS error,
                  toUInt64(previous_hash != '' AND hash != previous_hash) AS change
           FROM ${db}.catalog_snapshots FINAL WHERE ${where})
     WHERE server_id != ''
     GROUP BY tenant, server_id`,
  );
  return rows.map((r) => ({
    tenant: String(r.tenant),
    server_id: String(r.server_id),
    calls: Number(r.calls),
    errors: Number(r.errors),
    sessions: Number(r.sessions),
    catalog_changes: Number(r.catalog_changes),
  }));
}

/** Per destination host: the sessions that reached it (most recent first). */
export async function destinationSessions(
  store: Store,
  options: { tenant?: string } = {},
): Promise<{ tenant: string; dest_host: string; sessions: string[] }[]> {
  const qb = new QueryBuilder(store.flavor);
  const rows = await select<{ tenant: string; dest_host: string; sessions: string[] }>(
    store,
    qb,
    `SELECT tenant, dest_host, arrayMap(x -> x.2, arrayReverseSort(groupArray((last_ms, session_id)))) AS sessions
     FROM (SELECT tenant, dest_host, session_id, max(${TIME_MS_ALIAS}) AS last_ms
           FROM (SELECT tenant, dest_host, session_id, ${timeMsExpression(store.flavor)}
                 FROM ${store.database}.egress_events FINAL
                 WHERE ${conditions(qb, undefined, { tenant: options.tenant }, new Set(['tenant']))})
           GROUP BY tenant, dest_host, session_id)
     GROUP BY tenant, dest_host`,
  );
  return rows;
}

export interface UserActivity {
  tenant: string;
  /** As the host asserted it (see the event model's `user_id`). */
  user_id: string;
  teams: string[];
  sessions: number;
  calls: number;
  errors: number;
  /** Distinct alerts (by fingerprint) raised on the user's events. */
  alerts: number;
  /** Hosts the user's egress reached, sorted. */
  destinations: string[];
  last_seen_ms: number;
}

/** Per user the hosts asserted: sessions, tool calls, alerts and destinations, most recent first. */
export async function userActivity(
  store: Store,
  options: { tenant?: string; userId?: string } = {},
): Promise<UserActivity[]> {
  const qb = new QueryBuilder(store.flavor);
  const db = store.database;
  const where = conditions(qb, undefined, { tenant: options.tenant }, new Set(['tenant']));
  const user = options.userId === undefined ? '' : `AND user_id = ${qb.value(options.userId, 'String')}`;
  const part = (table: string, kind: string, ref: string, error: string) =>
    `SELECT tenant, user_id, team, session_id, '${kind}' AS kind, ${ref} AS ref, toUInt64(${error}) AS error,
            ${timeMsExpression(store.flavor)}
     FROM ${db}.${table} FINAL WHERE ${where} AND user_id != '' ${user}`;
  const rows = await select<Record<keyof UserActivity, string | number | string[]>>(
    store,
    qb,
    `SELECT tenant, user_id, arrayFilter(x -> x != '', arraySort(groupUniqArray(team))) AS teams,
            uniqExactIf(session_id, kind = 'call') AS sessions, countIf(kind = 'call') AS calls,
            sumIf(error, kind = 'call') AS errors, uniqExactIf(ref, kind = 'alert') AS alerts,
            arraySort(groupUniqArrayIf(ref, kind = 'egress' AND ref != '')) AS destinations,
            max(${TIME_MS_ALIAS}) AS last_seen_ms
     FROM (${part('tool_calls', 'call', "''", 'is_error')}
           UNION ALL ${part('egress_events', 'egress', 'dest_host', '0')}
           UNION ALL ${part('alerts', 'alert', 'fingerprint', '0')})
     GROUP BY tenant, user_id
     ORDER BY last_seen_ms DESC, user_id`,
  );
  return rows.map((r) => ({
    tenant: String(r.tenant),
    user_id: String(r.user_id),
    teams: r.teams as string[],
    sessions: Number(r.sessions),
    calls: Number(r.calls),
    errors: Number(r.errors),
    alerts: Number(r.alerts),
    destinations: r.destinations as string[],
    last_seen_ms: Number(r.last_seen_ms),
  }));
}
