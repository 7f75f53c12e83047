/**
 * Latency the shim adds to an MCP tool call: a real SDK client calls server-everything's `echo`
 * over stdio without the shim, with the library shim (spans to an in-memory exporter through a
 * batch processor, as in production), and through `mcptap proxy` (exporting to a closed port).
 * The three connections are open at once and measured in interleaved rounds (the order rotating),
 * after a warm-up, so that a machine busy with other work slows them alike.
 *
 * Per variant it prints:
 * - wall time per call (p50/p99) and the difference to the baseline;
 * - the host's critical path per call: from `callTool` to the request reaching the stdio
 *   transport, plus from the response leaving the transport to `callTool` resolving. The server's
 *   round trip is left out, so this is the time the library shim adds without the noise of two
 *   processes being scheduled;
 * - CPU time per call of the host process and, for the proxy, of the proxy process (work done off
 *   the critical path counts here).
 *
 *   node --import tsx bench/shim-latency.ts [calls=2000] [payload_bytes=256] [rounds=10]
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { instrumentClient, McpHostTelemetry, mcptapIdGenerator } from '../shim/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const CALLS = Number(process.argv[2] ?? 2000);
const PAYLOAD = 'x'.repeat(Number(process.argv[3] ?? 256));
const ROUNDS = Number(process.argv[4] ?? 10);
const WARMUP = 200;
const CLOCK_TICKS_PER_SECOND = 100;

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

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** User + system CPU of another process, in µs (Linux /proc, clock-tick resolution). */
function processCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1e6;
}

/** When the last request reached the transport and the last message came out of it. */
interface TransportMarks {
  sent: bigint;
  received: bigint;
}

/** Marks the moments messages cross `transport`, below whatever the client (or shim) wraps it in. */
function marked(transport: StdioClientTransport): { transport: Transport; marks: TransportMarks } {
  const marks: TransportMarks = { sent: 0n, received: 0n };
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    marks.sent = process.hrtime.bigint();
    return send(message);
  };
  let handler: Transport['onmessage'];
  Object.defineProperty(transport, 'onmessage', {
    get: () => handler,
    set: (next: Transport['onmessage']) => {
      handler =
        next &&
        ((message, extra) => {
          marks.received = process.hrtime.bigint();
          next(message, extra);
        });
    },
  });
  return { transport, marks };
}

interface Variant {
  name: string;
  client: Client;
  stdio: StdioClientTransport;
  marks: TransportMarks;
  /** Also measure the CPU of the process the client talks to (the proxy). */
  childCpu: boolean;
  wallMs: number[];
  criticalUs: number[];
  hostCpuUs: number;
  childCpuUs: number;
}

async function variant(name: string, client: Client, params: StdioServerParameters, childCpu = false) {
  const stdio = new StdioClientTransport(params);
  const { transport, marks } = marked(stdio);
  await client.connect(transport);
  const v: Variant = {
    name,
    client,
    stdio,
    marks,
    childCpu,
    wallMs: [],
    criticalUs: [],
    hostCpuUs: 0,
    childCpuUs: 0,
  };
  await run(v, WARMUP, false);
  return v;
}

async function run(v: Variant, calls: number, record: boolean): Promise<void> {
  const pid = v.stdio.pid;
  const child0 = v.childCpu && pid !== null ? processCpuUs(pid) : 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await v.client.callTool({ name: 'echo', arguments: { message: `${i} ${PAYLOAD}` } });
    const end = process.hrtime.bigint();
    if (!record) continue;
    v.wallMs.push(Number(end - start) / 1e6);
    v.criticalUs.push(Number(v.marks.sent - start + (end - v.marks.received)) / 1e3);
  }
  if (!record) return;
  const cpu = process.cpuUsage(cpu0);
  v.hostCpuUs += cpu.user + cpu.system;
  if (v.childCpu && pid !== null) v.childCpuUs += processCpuUs(pid) - child0;
}

// As `startMcptap` makes it (its id generator lets request spans start off the critical path) …
const provider = new BasicTracerProvider({
  idGenerator: mcptapIdGenerator,
  spanProcessors: [new BatchSpanProcessor(new InMemorySpanExporter())],
});
// … and a host's own provider, on which a request's span starts when the request is sent.
const hostProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new InMemorySpanExporter())],
});
const libraryClient = (tracerProvider: BasicTracerProvider) =>
  instrumentClient(new Client({ name: 'bench', version: '1' }), {
    serverName: 'everything',
    endpoint: [direct.command, ...(direct.args ?? [])].join(' '),
    telemetry: new McpHostTelemetry({ tracer: tracerProvider.getTracer('bench') }),
  });
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
const variants = [
  await variant('no shim', new Client({ name: 'bench', version: '1' }), direct),
  await variant('library shim', libraryClient(provider), direct),
  await variant('library, host provider', libraryClient(hostProvider), direct),
  await variant('mcptap proxy', new Client({ name: 'bench', version: '1' }), proxied, true),
];

const perRound = Math.ceil(CALLS / ROUNDS);
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(round + k) % variants.length]!;
    await run(v, Math.min(perRound, CALLS - round * perRound), true);
  }
}
for (const v of variants) await v.client.close();
await provider.shutdown();
await hostProvider.shutdown();

const [base] = variants;
const added = (value: number, baseline: number) =>
  `${value >= baseline ? '+' : ''}${(value - baseline).toFixed(3)}`;
console.log(
  `echo tool over stdio, ${CALLS} calls per variant after ${WARMUP} warm-up, interleaved in ${ROUNDS} rounds, ${PAYLOAD.length}-byte payload`,
);
console.log(
  'variant                 wall p50  p99 (ms)  added p50  p99       critical p50  p99 (µs)  added p50  p99     CPU/call host  proxy (µs)',
);
for (const v of variants) {
  const row = [
    v.name.padEnd(23),
    percentile(v.wallMs, 50).toFixed(3).padStart(8),
    percentile(v.wallMs, 99).toFixed(3).padStart(9),
    added(percentile(v.wallMs, 50), percentile(base!.wallMs, 50)).padStart(10),
    added(percentile(v.wallMs, 99), percentile(base!.wallMs, 99)).padStart(8),
    percentile(v.criticalUs, 50).toFixed(1).padStart(16),
    percentile(v.criticalUs, 99).toFixed(1).padStart(9),
    added(percentile(v.criticalUs, 50), percentile(base!.criticalUs, 50)).padStart(10),
    added(percentile(v.criticalUs, 99), percentile(base!.criticalUs, 99)).padStart(8),
    (v.hostCpuUs / v.wallMs.length).toFixed(0).padStart(16),
    v.childCpu ? (v.childCpuUs / v.wallMs.length).toFixed(0).padStart(7) : '      -',
  ];
  console.log(row.join(''));
}
