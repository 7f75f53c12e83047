// The /metrics, /healthz and /readyz server of the services without an HTTP server of their own.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import {
  ConfigError,
  envListen,
  MetricsRegistry,
  parseListen,
  serveMetrics,
  silentLogger,
  startMetricsServer,
  type Logger,
} from '../../../platform/index.js';

describe('metrics server', () => {
  it('serves the registry, health and readiness with its reason', async () => {
    const registry = new MetricsRegistry();
    const stored = registry.counter('mcptap_test_rows_total', 'rows');
    const queued = registry.gauge('mcptap_test_queued', 'queued');
    let ready = true;
    const server = await startMetricsServer({
      listen: { host: '127.0.0.1', port: 0 },
      registry,
      beforeScrape: () => queued.set(7),
      readiness: () => (ready ? { ready: true } : { ready: false, why: 'writes fail' }),
      logger: silentLogger,
    });
    try {
      stored.inc({ table: 'tool_calls' }, 3);
      const metrics = await fetch(`${server.url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      assert.match(text, /^mcptap_test_rows_total\{table="tool_calls"\} 3$/m);
      assert.match(text, /^mcptap_test_queued 7$/m);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      ready = false;
      const notReady = await fetch(`${server.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.equal(await notReady.text(), 'not ready: writes fail\n');
      assert.equal((await fetch(`${server.url}/nothing`)).status, 404);
      assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
  });

  it('lets the service run on when its address is taken, and says why', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const errors: string[] = [];
    const logger: Logger = {
      ...silentLogger,
      error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields)}`),
    };
    try {
      const server = await serveMetrics(
        { host: '127.0.0.1', port },
        { registry: new MetricsRegistry(), logger },
      );
      assert.equal(server, null);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    } finally {
      taken.close();
    }
    assert.equal(await serveMetrics(null, { registry: new MetricsRegistry(), logger }), null);
  });

  it('reads host:port, IPv6 in brackets and off, and names the variable of a bad one', () => {
    assert.deepEqual(parseListen('0.0.0.0:9465', 'X'), { host: '0.0.0.0', port: 9465 });
    assert.deepEqual(parseListen('[::1]:9465', 'X'), { host: '::1', port: 9465 });
    const spec = { name: 'MCPTAP_X_LISTEN', default: '127.0.0.1:1', description: '' };
    assert.equal(envListen({ MCPTAP_X_LISTEN: 'off' }, spec), null);
    assert.deepEqual(envListen({}, spec), { host: '127.0.0.1', port: 1 });
    assert.throws(
      () => envListen({ MCPTAP_X_LISTEN: '9465' }, spec),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^MCPTAP_X_LISTEN="9465": expected host:port/);
        return true;
      },
    );
    assert.throws(() => parseListen('host:99999', 'X'), ConfigError);
  });
});
