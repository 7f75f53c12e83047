// Shared by the shim's integration tests: the real MCP servers they start, and an in-memory span
// pipeline whose spans are decoded back into events with the same codec the collector uses.
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type IdGenerator,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import { decodeSpanAsEvent, isMcptapSpan, type McpEvent, type SpanAttributes } from '../../model/index.js';
import { COLLECTOR_ENV, hashApiKey, receiverConfigFromEnv, startCollector } from '../../collector/index.js';
import type { RunningCollector } from '../../collector/index.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODULES = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol');

/** `@modelcontextprotocol/server-everything` over stdio. */
export const EVERYTHING: StdioServerParameters = {
  command: process.execPath,
  args: [join(MODULES, 'server-everything', 'dist', 'index.js'), 'stdio'],
  stderr: 'ignore',
};

/** `@modelcontextprotocol/server-filesystem` allowed to use `dir` only. */
export function filesystemServer(dir: string): StdioServerParameters {
  return {
    command: process.execPath,
    args: [join(MODULES, 'server-filesystem', 'dist', 'index.js'), dir],
    stderr: 'ignore',
  };
}

/** One of our malicious servers in test/servers. */
export function testServer(name: string, args: string[] = []): StdioServerParameters {
  return {
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'test', 'servers', `${name}.ts`), ...args],
    cwd: REPO_ROOT,
    stderr: 'ignore',
  };
}

export const endpointOf = (params: StdioServerParameters) =>
  [params.command, ...(params.args ?? [])].join(' ');

export interface MemoryTracing {
  provider: BasicTracerProvider;
  exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  /** Every finished span decoded into the event it carries. */
  events(): McpEvent[];
}

/** `idGenerator`: as `startMcptap` configures its provider (request spans start off the critical path). */
export function memoryTracing(idGenerator?: IdGenerator): MemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    ...(idGenerator === undefined ? {} : { idGenerator }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const spans = () => exporter.getFinishedSpans();
  return {
    provider,
    exporter,
    spans,
    events: () => spans().map((span) => decodeSpan(span)),
  };
}

export function decodeSpan(span: ReadableSpan): McpEvent {
  return decodeSpanAsEvent(
    {
      startTimeMs: hrTimeToMilliseconds(span.startTime),
      endTimeMs: hrTimeToMilliseconds(span.endTime),
      attributes: span.attributes as SpanAttributes,
    },
    'test-tenant',
  );
}

export function ofKind<K extends McpEvent['kind']>(
  events: readonly McpEvent[],
  kind: K,
): Extract<McpEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<McpEvent, { kind: K }> => e.kind === kind);
}

/** A TCP port nothing listens on (bound, then released): free to listen on, or closed to connect to. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What a test OTLP/HTTP JSON receiver got: the name of every span, the events decoded from
 * mcptap's spans, and the API keys they came with.
 */
export interface OtlpReceiver {
  url: string;
  spanNames: string[];
  events: McpEvent[];
  apiKeys: string[];
  close(): Promise<void>;
}

interface OtlpJsonValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpJsonSpan {
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: OtlpJsonValue }[];
}
interface OtlpJsonBody {
  resourceSpans?: { scopeSpans?: { spans?: OtlpJsonSpan[] }[] }[];
}

function attributeValue(value: OtlpJsonValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue ?? '';
}

/** A minimal OTLP/HTTP JSON trace receiver (what the proxy, or a host's own pipeline, exports with `http/json`). */
export async function otlpJsonReceiver(): Promise<OtlpReceiver> {
  const { createServer: createHttpServer } = await import('node:http');
  const receiver: OtlpReceiver = {
    url: '',
    spanNames: [],
    events: [],
    apiKeys: [],
    close: async () => undefined,
  };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      receiver.apiKeys.push(String(req.headers['x-mcptap-api-key'] ?? ''));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJsonBody;
      for (const resource of body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            receiver.spanNames.push(span.name);
            const attributes = Object.fromEntries(
              (span.attributes ?? []).map((a) => [a.key, attributeValue(a.value)]),
            );
            if (!isMcptapSpan(attributes)) continue;
            receiver.events.push(
              decodeSpanAsEvent(
                {
                  startTimeMs: Number(BigInt(span.startTimeUnixNano) / 1_000_000n),
                  endTimeMs: Number(BigInt(span.endTimeUnixNano) / 1_000_000n),
                  attributes,
                },
                'test-tenant',
              ),
            );
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

/** Waits until something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const MCPTAP_BIN = join(REPO_ROOT, 'bin', 'mcptap.js');

/** The real collector, keeping what it accepts in memory (no Kafka): for spans a shim exported. */
export interface RecordingCollector {
  collector: RunningCollector;
  received: McpEvent[];
  /** Resolves once an accepted event satisfies `predicate`; rejects after 20 s. */
  waitFor(predicate: (event: McpEvent) => boolean, what: string): Promise<McpEvent>;
}

export async function startRecordingCollector(tenant: string, apiKey: string): Promise<RecordingCollector> {
  const received: McpEvent[] = [];
  const c = COLLECTOR_ENV;
  const collector = await startCollector(
    receiverConfigFromEnv({
      [c.listen.name]: '127.0.0.1:0',
      [c.apiKeys.name]: `${tenant}:${hashApiKey(apiKey)}`,
      [c.rateLimit.name]: '0',
    }),
    {
      publisher: {
        destination: 'memory',
        publish: async (items) => {
          for (const item of items) if (item.type === 'event') received.push(item.event);
        },
        ready: () => true,
        close: async () => undefined,
      },
    },
  );
  return {
    collector,
    received,
    async waitFor(predicate, what) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = received.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; got ${received.length} events`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
