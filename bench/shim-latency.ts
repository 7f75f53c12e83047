/**
 * Latency the shim adds to an MCP tool call: a real SDK client calls server-everything's `echo`
 * over stdio N times (after a warm-up) without the shim, with the library shim (spans to an
 * in-memory exporter through a batch processor, as in production), and through `mcptap proxy`
 * (exporting to a closed port). Prints p50/p99 per call and the difference to the baseline.
 *
 *   node --import tsx bench/shim-latency.ts [calls=2000] [payload_bytes=256]
 */
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import { instrumentClient, McpHostTelemetry } from '../shim/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const CALLS = Number(process.argv[2] ?? 2000);
const PAYLOAD = 'x'.repeat(Number(process.argv[3] ?? 256));
const WARMUP = 200;

const direct: StdioServerParameters = {
  command: process.execPath,
  args: [SERVER, 'stdio'],
  stderr: 'ignore',
};

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(client: Client, transport: StdioClientTransport): Promise<number[]> {
  await client.connect(transport);
  const times: number[] = [];
  for (let i = 0; i < WARMUP + CALLS; i++) {
    const start = process.hrtime.bigint();
    await client.callTool({ name: 'echo', arguments: { message: `${i} ${PAYLOAD}` } });
    if (i >= WARMUP) times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await client.close();
  return times.sort((a, b) => a - b);
}

const results: [string, number[]][] = [];
results.push([
  'no shim',
  await measure(new Client({ name: 'bench', version: '1' }), new StdioClientTransport(direct)),
]);

const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new InMemorySpanExporter())],
});
const telemetry = new McpHostTelemetry({ tracer: provider.getTracer('bench') });
const shimmed = instrumentClient(new Client({ name: 'bench', version: '1' }), {
  serverName: 'everything',
  endpoint: [direct.command, ...(direct.args ?? [])].join(' '),
  telemetry,
});
results.push(['library shim', await measure(shimmed, new StdioClientTransport(direct))]);
await provider.shutdown();

const proxied: StdioServerParameters = {
  command: process.execPath,
  args: [
    join(ROOT, 'bin', 'mcptap.js'),
    'proxy',
    '--name',
    'everything',
    '--collector',
    `http://127.0.0.1:${await closedPort()}`,
    '--',
    direct.command,
    ...(direct.args ?? []),
  ],
  stderr: 'ignore',
};
results.push([
  'mcptap proxy',
  await measure(new Client({ name: 'bench', version: '1' }), new StdioClientTransport(proxied)),
]);

const base = results[0]![1];
console.log(
  `echo tool over stdio, ${CALLS} calls after ${WARMUP} warm-up, ${PAYLOAD.length}-byte payload (ms per call)`,
);
console.log('variant        p50     p99     added p50  added p99');
for (const [name, times] of results) {
  const p50 = percentile(times, 50);
  const p99 = percentile(times, 99);
  console.log(
    `${name.padEnd(14)} ${p50.toFixed(3).padStart(6)}  ${p99.toFixed(3).padStart(6)}  ${(p50 - percentile(base, 50)).toFixed(3).padStart(9)}  ${(p99 - percentile(base, 99)).toFixed(3).padStart(9)}`,
  );
}
