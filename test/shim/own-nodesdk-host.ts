// A host that already runs the OpenTelemetry NodeSDK with an OTLP pipeline of its own (its exporter
// configured by OTEL_EXPORTER_OTLP_ENDPOINT, as such hosts usually are) and adds mcptap beside it,
// as the README shows: `processor` adds mcptap's span processor, `exporter` adds mcptap's exporter
// in a batch processor of its own. Run by own-nodesdk-host.test.ts:
//   node --import tsx test/shim/own-nodesdk-host.ts processor|exporter
// with COLLECTOR, API_KEY, SERVER_NAME and SERVER (stdio parameters as JSON) in the environment.
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  createMcptapSpanExporter,
  McpClientInstrumentation,
  McptapSpanProcessor,
  mcptapIdGenerator,
} from '../../shim/index.js';

const mode = process.argv[2];
const env = process.env;
const mcptap = { endpoint: env.COLLECTOR ?? '', apiKey: env.API_KEY ?? '' };

const sdk = new NodeSDK({
  serviceName: 'host-with-own-pipeline',
  idGenerator: mcptapIdGenerator,
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter()),
    mode === 'exporter'
      ? new BatchSpanProcessor(createMcptapSpanExporter(mcptap))
      : new McptapSpanProcessor(mcptap),
  ],
  instrumentations: [
    new McpClientInstrumentation({
      serverFor: () => ({ name: env.SERVER_NAME ?? '', endpoint: 'server-everything' }),
    }),
  ],
});
sdk.start();

await trace.getTracer('the-host-app').startActiveSpan('handle user request', async (request) => {
  const client = new Client({ name: 'host-with-own-pipeline', version: '1.0.0' });
  await client.connect(new StdioClientTransport(JSON.parse(env.SERVER ?? '{}')));
  const result = await client.callTool({ name: 'echo', arguments: { message: `via the ${mode}` } });
  console.log(JSON.stringify(result.content));
  await client.close();
  request.end();
});
await sdk.shutdown();
