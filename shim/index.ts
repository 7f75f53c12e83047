export {
  parseTranscriptLine,
  formatTranscriptLine,
  isWireLine,
  TranscriptLineError,
  TranscriptLineSchema,
  WireLineSchema,
  HostLineSchema,
  type TranscriptLine,
  type WireLine,
  type HostLine,
  type WireDirection,
} from '../extract/index.js';
export {
  SessionExtractor,
  DEFAULT_CAPS,
  DEFAULT_IDLE_TURN_GAP_MS,
  NO_RESPONSE_ERROR,
  CANCELLED_ERROR,
  type ContentCaps,
  type SessionExtractorOptions,
} from '../extract/index.js';
export { McpHostTelemetry, type McpHostTelemetryOptions, type HostSession } from './host-telemetry.js';
export {
  instrumentClient,
  tapTransport,
  describeTransport,
  defaultHostTelemetry,
  type InstrumentClientOptions,
} from './instrument-client.js';
export {
  McpClientInstrumentation,
  type McpClientInstrumentationConfig,
} from './mcp-client-instrumentation.js';
export { startMcptap, API_KEY_HEADER, type StartMcptapOptions, type Mcptap } from './start-mcptap.js';
export {
  McptapSpanProcessor,
  createMcptapSpanExporter,
  type McptapSpanProcessorOptions,
  type McptapExporterOptions,
} from './mcptap-span-processor.js';
export type { ExportFailure } from './delivery-reporting-exporter.js';
export { proxyHeartbeatSchema, PROXY_HEARTBEAT_PATH, type ProxyHeartbeat } from './proxy/proxy-heartbeat.js';
export {
  SpanEmitter,
  SHIM_TRACER_NAME,
  type SpanEmitterOptions,
  type PendingRequestSpan,
} from './span-emitter.js';
export { mcptapIdGenerator, RequestSpanIds, type PresetSpanIds } from './request-span-ids.js';
export { createShimMetrics, type ShimMetrics } from './shim-metrics.js';
export { SHIM_ENV, readShimConfig, type ShimConfig } from './shim-config.js';
export {
  defaultDataDir,
  ensurePrivateDataDir,
  restrictToOwner,
  localApiKey,
  localCollector,
  readLocalEndpoint,
  writeLocalEndpoint,
  localEndpointPath,
  LOCAL_TENANT,
  LOCAL_DEFAULT_LISTEN,
  type LocalEndpointFile,
} from './local-endpoint.js';
