// Captures the OTLP/HTTP protobuf request bodies that the shim's real exporter (startMcptap: the
// OpenTelemetry JS SDK's BatchSpanProcessor and protobuf exporter) sends for a demo-like mix of
// event kinds, into DIR as <n>-<spans>.pb, for bench/otlp-replay to send to any collector.
//
//   node --import tsx bench/capture-bodies.ts DIR [SPANS=16384]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { decodeOtlpProtobuf } from '../otlp/otlp-protobuf-decode.js';
import type { McpEvent } from '../model/index.js';
import { startMcptap } from '../shim/index.js';
import { emitEvents } from '../test/collector/otel-sdk.js';
import { mcpSizedToolCall, sampleEvents } from '../test/collector/sample-events.js';

/** Out of 100 events: the demo's proportions, most of it tool calls. */
const MIX: ReadonlyArray<readonly [McpEvent['kind'], number]> = [
  ['tool_call', 70],
  ['egress', 10],
  ['turn', 8],
  ['assistant_output', 6],
  ['content_read', 3],
  ['catalog', 2],
  ['prompt', 1],
];

export function demoMix(count: number, timeMs = Date.now()): McpEvent[] {
  const events: McpEvent[] = [];
  for (let i = 0; events.length < count; i++) {
    const session = `bench-session-${i % 64}`;
    for (const [kind, share] of MIX) {
      for (let n = 0; n < share && events.length < count; n++) {
        if (kind === 'tool_call') events.push(mcpSizedToolCall(session, events.length, timeMs));
        else events.push(sampleEvents({ sessionId: session, timeMs }).find((e) => e.kind === kind)!);
      }
    }
  }
  return events;
}

export async function captureBodies(dir: string, spans: number): Promise<{ files: number; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  let files = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const count = decodeOtlpProtobuf(body).length;
      writeFileSync(join(dir, `${String(files++).padStart(4, '0')}-${count}.pb`), body);
      bytes += body.length;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const shim = startMcptap({
    endpoint: `http://127.0.0.1:${port}`,
    apiKey: 'capture',
    registerGlobal: false,
    maxQueueSize: spans,
  });
  const events = demoMix(spans);
  // One exporter batch at a time: the exporter refuses too many concurrent exports.
  for (let i = 0; i < events.length; i += 512) {
    emitEvents(shim.tracer, events.slice(i, i + 512));
    while (shim.queueSize() > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await shim.shutdown();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { files, bytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (dir === undefined) {
    console.error('usage: node --import tsx bench/capture-bodies.ts DIR [SPANS]');
    process.exit(2);
  }
  const { files, bytes } = await captureBodies(dir, Number(process.argv[3] ?? 16_384));
  console.log(`captured ${files} bodies, ${bytes} bytes, in ${dir}`);
}
