import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { listenHttp, type ListenAddress, type Logger } from '../platform/index.js';
import type { ServerPolicy } from '../detectors/index.js';
import type { Store } from '../storage/index.js';
import { answerApi, BadRequest } from './console-api.js';
import type { AuditSourcesOf } from './audit-log.js';
import { errorMessage } from '../model/index.js';

/**
 * The forensic console over HTTP: the single page (console/static, served as it is in the repo: no
 * build step, no external asset) and its JSON API under /api/. Read-only: GET and HEAD only.
 */

export interface ConsoleServerOptions {
  listen: ListenAddress;
  store: Store;
  logger: Logger;
  /** The approved-server policy in force (read per request: it follows rule reloads). */
  policy?: () => ServerPolicy | null;
  /** The audit view's key and checkpoint copies (resolved per verification); none: it cannot verify. */
  audit?: AuditSourcesOf;
}

export interface ConsoleServer {
  /** Base URL; a session is at `${url}/#/sessions/<urlencoded id>`. */
  url: string;
  close(): Promise<void>;
}

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

// Everything the page shows comes from tool traffic; the page builds its DOM from text nodes, and
// this policy forbids inline scripts and any other origin should a bug ever let markup through.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

function hostName(header: string): string {
  return header.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const { store, logger } = options;
  // On loopback, a page of another site must not read the console through DNS rebinding: only
  // requests addressed to a loopback name are answered.
  const loopbackOnly = LOOPBACK.test(options.listen.host);
  if (!loopbackOnly) {
    logger.warn(
      'the console listens beyond loopback and has no login: put it behind your own access control',
      {
        listen: `${options.listen.host}:${options.listen.port}`,
      },
    );
  }

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': type,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (loopbackOnly && !LOOPBACK.test(hostName(req.headers.host ?? ''))) {
      return sendJson(res, 421, { error: 'this console answers only requests addressed to a loopback host' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'the console is read-only: GET only' });
    }
    const url = new URL(req.url ?? '/', 'http://console');
    if (url.pathname.startsWith('/api/')) {
      try {
        const result = await answerApi(
          store,
          url.pathname.slice('/api/'.length),
          Object.fromEntries(url.searchParams),
          { policy: options.policy?.() ?? null, ...(options.audit ? { audit: options.audit } : {}) },
        );
        return sendJson(res, result.status, result.body);
      } catch (error) {
        if (error instanceof BadRequest) return sendJson(res, 400, { error: error.message });
        throw error;
      }
    }
    const asset = STATIC_FILES[url.pathname];
    if (asset === undefined) return sendJson(res, 404, { error: `no ${url.pathname}; the console is at /` });
    return send(res, 200, asset.type, await readFile(STATIC_DIR + asset.file));
  }

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      logger.warn('console request failed', {
        path: req.url,
        error: errorMessage(error),
      });
      if (!res.headersSent)
        sendJson(res, 500, { error: 'query failed; see the log of the process serving the console' });
    });
  });
  return listenHttp(server, options.listen.host, options.listen.port);
}

/**
 * The console beside another service (`mcptap local`): an address already taken is logged and
 * the service runs on without a console.
 */
export async function startConsole(
  listen: ListenAddress,
  store: Store,
  logger: Logger,
  more: Pick<ConsoleServerOptions, 'policy' | 'audit'> = {},
): Promise<ConsoleServer | undefined> {
  try {
    const server = await startConsoleServer({ listen, store, logger, ...more });
    logger.info('forensic console', { url: server.url });
    return server;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    logger.error('the console could not listen: its address is taken; running without it', {
      listen: `${listen.host}:${listen.port}`,
      fix: 'set MCPTAP_LOCAL_CONSOLE_LISTEN to a free HOST:PORT, or off',
    });
    return undefined;
  }
}
