import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenHttp, type Logger } from '../platform/index.js';
import { TenantRequiredError } from '../storage/index.js';
import { PROXY_HEARTBEAT_PATH, proxyHeartbeatSchema, type ProxyHeartbeat } from '../shim/index.js';
import { alertFilter } from './alert-filter.js';
import type { LocalQueries } from './local-queries.js';
import { errorMessage } from '../model/index.js';

/**
 * `mcptap local`'s control API on loopback, for `mcptap status`, `mcptap alerts` and
 * `mcptap session` and `mcptap sessions` while it runs (the store is open in this process only): GET /status,
 * GET /alerts?rule=&severity=&server=&session=&tenant=&limit=, GET /session?id=&tenant=,
 * GET /sessions?search=&server=&rule=&tenant=&limit=, GET /servers?tenant=; and POST /proxies, where each `mcptap proxy`
 * reports itself and what it dropped.
 * Same API key as the OTLP endpoint; answers are JSON.
 */

export interface ControlServerOptions {
  host: string;
  port: number;
  apiKey: string;
  queries: LocalQueries;
  status: () => Promise<unknown>;
  onProxyHeartbeat?: (beat: ProxyHeartbeat) => void;
  logger: Logger;
}

const MAX_HEARTBEAT_BYTES = 16 * 1024;

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_HEARTBEAT_BYTES) {
        resolve(undefined);
        req.destroy();
      }
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const expected = digest(options.apiKey);
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const key = req.headers['x-mcptap-api-key'];
    if (typeof key !== 'string' || !timingSafeEqual(digest(key), expected)) {
      return send(res, 401, {
        error: "missing or wrong API key: send the data directory's api-key in x-mcptap-api-key",
      });
    }
    if (req.method === 'POST' && url.pathname === PROXY_HEARTBEAT_PATH) {
      const text = await readBody(req);
      let beat;
      try {
        beat = proxyHeartbeatSchema.safeParse(JSON.parse(text ?? ''));
      } catch {
        beat = undefined;
      }
      if (!beat?.success)
        return send(res, 400, { error: 'expected a proxy heartbeat (JSON, at most 16 KiB)' });
      options.onProxyHeartbeat?.(beat.data);
      return send(res, 200, { ok: true });
    }
    if (req.method !== 'GET') return send(res, 405, { error: `only GET, and POST ${PROXY_HEARTBEAT_PATH}` });
    const q = Object.fromEntries(url.searchParams);
    switch (url.pathname) {
      case '/status':
        return send(res, 200, await options.status());
      case '/alerts': {
        let filter;
        try {
          filter = alertFilter(q);
        } catch (error) {
          return send(res, 400, { error: errorMessage(error) });
        }
        return send(res, 200, await options.queries.alerts(filter));
      }
      case '/session': {
        if (!q.id) return send(res, 400, { error: 'give the session as ?id=' });
        return send(
          res,
          200,
          await options.queries.session({ sessionId: q.id, ...(q.tenant ? { tenant: q.tenant } : {}) }),
        );
      }
      case '/sessions': {
        const limit = q.limit === undefined ? undefined : Number(q.limit);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100_000)) {
          return send(res, 400, { error: `limit '${q.limit}' is not a number from 1 to 100000` });
        }
        return send(
          res,
          200,
          await options.queries.sessions({
            ...(q.search ? { search: q.search } : {}),
            ...(q.server ? { serverName: q.server } : {}),
            ...(q.rule ? { rule: q.rule } : {}),
            ...(q.tenant ? { tenant: q.tenant } : {}),
            ...(limit === undefined ? {} : { limit }),
          }),
        );
      }
      case '/servers':
        return send(res, 200, await options.queries.servers(q.tenant || undefined));
      default:
        return send(res, 404, {
          error: `no ${url.pathname}: try /status, /alerts, /sessions, /servers or /session?id=`,
        });
    }
  }

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      if (error instanceof TenantRequiredError) {
        return send(res, 400, { error: error.message, tenants: error.tenants });
      }
      options.logger.warn('control request failed', {
        path: req.url,
        error: errorMessage(error),
      });
      if (!res.headersSent) send(res, 500, { error: 'query failed; see the mcptap local log' });
    });
  });
  return listenHttp(server, options.host, options.port);
}
