// startMcptap's real OTLP exporter with no collector to talk to, under 1,000 tool calls to the
// real server-everything: every call completes, the export queue stays within its bound, what does
// not fit is counted as dropped, and the heap does not grow with the number of calls.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { EVENT_KINDS } from '../../model/index.js';
import { instrumentClient, McpHostTelemetry, startMcptap, type Mcptap } from '../../shim/index.js';
import { freePort, endpointOf, EVERYTHING, waitFor } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

const CALLS = 1000;
const MAX_QUEUE = 64;
/** Each call's span carries ~8 KB of arguments and result: 1,000 kept spans would be ~10 MB. */
const PAYLOAD = 'x'.repeat(4096);
const MAX_HEAP_GROWTH = 6 * 1024 * 1024;

const emitted = (mcptap: Mcptap) =>
  EVENT_KINDS.reduce((sum, kind) => sum + mcptap.metrics.events.get({ kind }), 0);
const delivered = (mcptap: Mcptap) => mcptap.metrics.spansExported.get({ outcome: 'ok' });

/** Runs CALLS echo calls through the shim; returns the heap growth and the largest queue seen. */
async function load(mcptap: Mcptap): Promise<{ heapGrowth: number; maxQueueSeen: number }> {
  const telemetry = new McpHostTelemetry({
    tracer: mcptap.tracer,
    metrics: mcptap.metrics,
    idleTurnGapMs: 60_000,
  });
  const client = instrumentClient(new Client({ name: 'load', version: '1.0.0' }), {
    serverName: 'everything',
    endpoint: endpointOf(EVERYTHING),
    telemetry,
  });
  await client.connect(new StdioClientTransport(EVERYTHING));
  try {
    // Warm up, so that the heap baseline includes the SDK's and exporter's one-off allocations.
    for (let i = 0; i < 50; i++) await client.callTool({ name: 'echo', arguments: { message: `warm ${i}` } });
    const heapBefore = heapUsed();
    let maxQueueSeen = 0;
    for (let i = 0; i < CALLS; i++) {
      const message = `call ${i} ${PAYLOAD}`;
      const result = await client.callTool({ name: 'echo', arguments: { message } });
      assert.equal((result.content as { text: string }[])[0]?.text, `Echo: ${message}`);
      if (i % 10 === 0) maxQueueSeen = Math.max(maxQueueSeen, mcptap.queueSize());
    }
    return { heapGrowth: heapUsed() - heapBefore, maxQueueSeen };
  } finally {
    await client.close();
  }
}

function assertBounded(result: { heapGrowth: number; maxQueueSeen: number }, mcptap: Mcptap): void {
  assert.ok(mcptap.metrics.events.get({ kind: 'tool_call' }) >= CALLS);
  assert.ok(result.maxQueueSeen <= MAX_QUEUE, `queue reached ${result.maxQueueSeen} > ${MAX_QUEUE}`);
  assert.ok(
    result.heapGrowth < MAX_HEAP_GROWTH,
    `heap grew by ${(result.heapGrowth / 1048576).toFixed(1)} MiB`,
  );
  assert.equal(mcptap.metrics.errors.get({ stage: 'emit' }), 0);
}

describe('collector unreachable (real OTLP exporter)', () => {
  it('closed port: 1,000 tool calls complete, the queue stays bounded, every span is delivered or counted dropped', async () => {
    const mcptap = startMcptap({
      endpoint: `http://127.0.0.1:${await freePort()}`,
      apiKey: 'test-key',
      maxQueueSize: MAX_QUEUE,
      maxExportBatchSize: 16,
      scheduledDelayMillis: 20,
      exportTimeoutMillis: 500,
      registerGlobal: false,
    });
    try {
      assertBounded(await load(mcptap), mcptap);
      // No span is lost silently: each one was either delivered or counted dropped (a failed export
      // counts as dropped).
      await waitFor(
        () =>
          mcptap.queueSize() === 0 &&
          delivered(mcptap) + mcptap.metrics.spansDropped.get() === emitted(mcptap),
        20_000,
      );
      assert.equal(mcptap.metrics.spansExported.get({ outcome: 'ok' }), 0);
    } finally {
      await Promise.race([mcptap.shutdown(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    }
  });

  it('hung collector (accepts, never answers): 1,000 tool calls complete and the overflow is dropped and counted', async () => {
    const sockets = new Set<Socket>();
    const blackhole = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as { port: number };
    const mcptap = startMcptap({
      endpoint: `http://127.0.0.1:${port}`,
      maxQueueSize: MAX_QUEUE,
      maxExportBatchSize: 16,
      scheduledDelayMillis: 20,
      exportTimeoutMillis: 60_000,
      registerGlobal: false,
    });
    try {
      assertBounded(await load(mcptap), mcptap);
      assert.ok(
        mcptap.metrics.spansDropped.get() > 0,
        'spans beyond the queue bound must be counted as dropped',
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      blackhole.close();
      await Promise.race([mcptap.shutdown(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    }
  });
});
