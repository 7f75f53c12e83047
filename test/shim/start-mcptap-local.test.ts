// Zero config for the library, as for the proxy: `startMcptap()` with no endpoint and no collector
// configured sends to the `mcptap local` of MCPTAP_DATA_DIR, with the key from that directory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  instrumentClient,
  localApiKey,
  McpHostTelemetry,
  SHIM_ENV,
  startMcptap,
  writeLocalEndpoint,
} from '../../shim/index.js';
import { endpointOf, EVERYTHING, startRecordingCollector, type RecordingCollector } from './support.js';

const SHIM_VARIABLES = [
  SHIM_ENV.collectorUrl.name,
  SHIM_ENV.apiKey.name,
  SHIM_ENV.dataDir.name,
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
];
const saved = Object.fromEntries(SHIM_VARIABLES.map((name) => [name, process.env[name]]));
let dataDir: string;
let local: RecordingCollector;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mcptap-zero-config-'));
  // What a running `mcptap local` publishes: its endpoint, and the key it accepts (tenant `local`).
  local = await startRecordingCollector('local', localApiKey(dataDir));
  writeLocalEndpoint(dataDir, {
    pid: process.pid,
    url: local.collector.url,
    controlUrl: local.collector.url,
    startedAt: new Date().toISOString(),
  });
  for (const name of SHIM_VARIABLES) delete process.env[name];
  process.env[SHIM_ENV.dataDir.name] = dataDir;
});

after(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await local?.collector.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('startMcptap() with nothing configured reaches mcptap local with its key', async () => {
  const mcptap = startMcptap({ registerGlobal: false, scheduledDelayMillis: 50 });
  const telemetry = new McpHostTelemetry({ tracer: mcptap.tracer, hostId: 'zero-config-host' });
  const client = instrumentClient(new Client({ name: 'zero-config-host', version: '1.0.0' }), {
    serverName: 'everything',
    endpoint: endpointOf(EVERYTHING),
    telemetry,
  });
  await client.connect(new StdioClientTransport(EVERYTHING));
  await client.callTool({ name: 'echo', arguments: { message: 'no configuration at all' } });
  await client.close();
  telemetry.flush();
  await mcptap.shutdown();
  const call = await local.waitFor((e) => e.kind === 'tool_call' && e.tool === 'echo', 'the echo call');
  assert.equal(call.tenant, 'local', 'accepted under the key from the data directory');
  assert.equal(call.host_id, 'zero-config-host');
});
