import type { Alert } from '../model/index.js';
import { localApiKey, readLocalEndpoint, type LocalEndpointFile } from '../shim/index.js';
import type {
  AlertFilter,
  SessionFilter,
  ServerInventoryRow,
  SessionSummary,
  TimelineEntry,
  TimelineQuery,
} from '../storage/index.js';
import { lockHolder } from './data-dir-lock.js';
import type { LocalQueries, StoredTotals } from './local-queries.js';
import { errorMessage } from '../model/index.js';

/** Talks to the `mcptap local` that holds a data directory, through its control API. */

/** The running instance's endpoint file, when the process holding the directory's lock wrote it. */
export function runningLocal(dataDir: string): LocalEndpointFile | undefined {
  const endpoint = readLocalEndpoint(dataDir);
  if (endpoint === undefined) return undefined;
  return lockHolder(dataDir) === endpoint.pid ? endpoint : undefined;
}

export async function controlGet<T>(endpoint: LocalEndpointFile, apiKey: string, path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, endpoint.controlUrl), {
      headers: { 'x-mcptap-api-key': apiKey },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Error(
      `mcptap local (pid ${endpoint.pid}) does not answer at ${endpoint.controlUrl}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  const body = (await response.json()) as T | { error?: string; tenants?: number };
  if (!response.ok) {
    const failure = typeof body === 'object' && body !== null && 'error' in body ? body : {};
    const error = new Error(
      `mcptap local answered ${response.status} to ${path}: ${failure.error ?? response.statusText}`,
    );
    // The store's TenantRequiredError, told apart by name as the read commands do.
    if (typeof failure.tenants === 'number') error.name = 'TenantRequiredError';
    throw error;
  }
  return body as T;
}

function alertQuery(filter: AlertFilter): string {
  const params = new URLSearchParams();
  if (filter.rule !== undefined) params.set('rule', filter.rule);
  if (filter.minSeverity !== undefined) params.set('severity', filter.minSeverity);
  if (filter.serverName !== undefined) params.set('server', filter.serverName);
  if (filter.sessionId !== undefined) params.set('session', filter.sessionId);
  if (filter.tenant !== undefined) params.set('tenant', filter.tenant);
  if (filter.limit !== undefined) params.set('limit', String(filter.limit));
  return `/alerts?${params}`;
}

function sessionsQuery(filter: SessionFilter): string {
  const params = new URLSearchParams();
  if (filter.search !== undefined) params.set('search', filter.search);
  if (filter.serverName !== undefined) params.set('server', filter.serverName);
  if (filter.rule !== undefined) params.set('rule', filter.rule);
  if (filter.tenant !== undefined) params.set('tenant', filter.tenant);
  if (filter.limit !== undefined) params.set('limit', String(filter.limit));
  return `/sessions?${params}`;
}

export function remoteQueries(dataDir: string, endpoint: LocalEndpointFile): LocalQueries {
  const apiKey = localApiKey(dataDir);
  return {
    alerts: (filter) => controlGet<Alert[]>(endpoint, apiKey, alertQuery(filter)),
    session: (query: TimelineQuery) =>
      controlGet<TimelineEntry[]>(
        endpoint,
        apiKey,
        `/session?${new URLSearchParams({ id: query.sessionId, ...(query.tenant ? { tenant: query.tenant } : {}) })}`,
      ),
    totals: async () => (await controlGet<{ stored: StoredTotals }>(endpoint, apiKey, '/status')).stored,
    sessions: (filter) => controlGet<SessionSummary[]>(endpoint, apiKey, sessionsQuery(filter)),
    servers: (tenant) =>
      controlGet<ServerInventoryRow[]>(
        endpoint,
        apiKey,
        `/servers?${new URLSearchParams(tenant === undefined ? {} : { tenant })}`,
      ),
  };
}
