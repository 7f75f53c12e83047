import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './env-config.js';
import type { Logger } from './log.js';
import type { MetricsRegistry } from './metrics.js';
import { errorMessage } from '../model/index.js';

export interface MetricsServer {
  /** `http://host:port` as bound (the port is the real one when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  listen: ListenAddress;
  registry: MetricsRegistry;
  /** Called before each scrape, to set gauges read from the service's state. */
  beforeScrape?: () => void;
  /** Whether the service does its work right now (GET /readyz): 200 or 503 with the reason. */
  readiness?: () => { ready: true } | { ready: false; why: string };
  logger: Logger;
}

/**
 * GET /metrics (Prometheus text format), /healthz and /readyz of a service that has no HTTP server
 * of its own (the sink, the detectors). A scrape never touches Kafka or ClickHouse.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = (status: number, body: string, contentType = 'text/plain') => {
      res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (req.method !== 'GET') return answer(405, 'only GET is served here\n');
    if (path === '/metrics') {
      options.beforeScrape?.();
      return answer(200, options.registry.render(), 'text/plain; version=0.0.4');
    }
    if (path === '/healthz') return answer(200, 'ok\n');
    if (path === '/readyz') {
      const state = options.readiness?.() ?? { ready: true };
      return state.ready ? answer(200, 'ready\n') : answer(503, `not ready: ${state.why}\n`);
    }
    answer(404, 'not found: try /metrics, /healthz or /readyz\n');
  });
  const { host, port } = options.listen;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot serve metrics on ${host}:${port} (${error.code ?? error.message}); set another host:port or off`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  options.logger.info('metrics served', { url: `${url}/metrics` });
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A service's metrics server, unless `listen` is null (off). A service's work matters more than its
 * metrics: when the address cannot be bound, the error is logged and the service goes on without.
 */
export async function serveMetrics(
  listen: ListenAddress | null,
  options: Omit<MetricsServerOptions, 'listen'>,
): Promise<MetricsServer | null> {
  if (listen === null) return null;
  try {
    return await startMetricsServer({ ...options, listen });
  } catch (error) {
    options.logger.error('running without /metrics', {
      error: errorMessage(error),
    });
    return null;
  }
}
