import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type BufferConfig } from '@opentelemetry/sdk-trace-base';
import { DeliveryReportingExporter, type ExportFailure } from './delivery-reporting-exporter.js';
import { ExportQueueMeter } from './export-queue-meter.js';
import { collectorTarget } from './local-endpoint.js';
import { mcptapIdGenerator } from './request-span-ids.js';
import { readShimConfig } from './shim-config.js';
import { createShimMetrics, type ShimMetrics } from './shim-metrics.js';
import { SHIM_TRACER_NAME } from './span-emitter.js';

export const API_KEY_HEADER = 'x-mcptap-api-key';

export interface StartMcptapOptions {
  /**
   * The collector's OTLP/HTTP base URL (`http://127.0.0.1:4318`) or its full traces URL. When
   * absent, the exporter follows `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`;
   * with neither set, MCPTAP_COLLECTOR_URL / MCPTAP_API_KEY, else the `mcptap local` of
   * MCPTAP_DATA_DIR (its endpoint and key), as `mcptap proxy` does.
   */
  endpoint?: string;
  /** Sent as `x-mcptap-api-key`; the collector derives the tenant from it. */
  apiKey?: string;
  /** `service.name`; `OTEL_SERVICE_NAME` wins when set. */
  serviceName?: string;
  /** Default `http/protobuf`, or `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`. */
  protocol?: 'http/protobuf' | 'http/json';
  /** Spans held while the collector is slow or away; more are dropped and counted. Default 2048. */
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
  /** Install as the global tracer provider (default true). */
  registerGlobal?: boolean;
  metrics?: ShimMetrics;
  /** Hears of every failed export (its spans are counted dropped); must not throw or block. */
  onExportFailure?: (failure: ExportFailure) => void;
}

export interface Mcptap {
  tracer: Tracer;
  metrics: ShimMetrics;
  /** Spans waiting for export right now. */
  queueSize(): number;
  /** Exports what is queued (bounded by the export timeout) and stops. */
  shutdown(): Promise<void>;
}

function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

function protocolFromEnv(): StartMcptapOptions['protocol'] {
  const value = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
  return value === 'http/json' ? 'http/json' : 'http/protobuf';
}

/**
 * The endpoint given; else the standard OTEL_* endpoint variables (read by the exporter); else the
 * shim's own configuration or, with none, `mcptap local` — as the proxy does. A bad variable leaves
 * the exporter's defaults rather than failing the host.
 */
function targetOf(options: StartMcptapOptions): { url?: string; apiKey?: string } {
  const env = process.env;
  if (
    options.endpoint !== undefined ||
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    env.OTEL_EXPORTER_OTLP_ENDPOINT
  )
    return { url: options.endpoint, apiKey: options.apiKey };
  try {
    const target = collectorTarget(readShimConfig(env));
    return { url: target.url, apiKey: options.apiKey ?? (target.apiKey || undefined) };
  } catch {
    return { apiKey: options.apiKey };
  }
}

/**
 * One call for hosts without OpenTelemetry of their own: a tracer provider whose spans go in
 * batches to the mcptap collector over OTLP/HTTP. The queue is bounded (`maxQueueSize`,
 * `OTEL_BSP_*` honoured); what does not fit, and what the collector refused or never received, is
 * dropped and counted (`metrics.spansDropped`), never waited for.
 */
export function startMcptap(options: StartMcptapOptions = {}): Mcptap {
  const metrics = options.metrics ?? createShimMetrics();
  const target = targetOf(options);
  const exporterConfig = {
    ...(target.url === undefined ? {} : { url: tracesUrl(target.url) }),
    ...(target.apiKey === undefined ? {} : { headers: { [API_KEY_HEADER]: target.apiKey } }),
  };
  const protocol = options.protocol ?? protocolFromEnv();
  const exporter = new DeliveryReportingExporter(
    protocol === 'http/json'
      ? new OtlpJsonExporter(exporterConfig)
      : new OtlpProtobufExporter(exporterConfig),
    metrics,
    options.onExportFailure,
  );
  const queueMeter = new ExportQueueMeter(metrics);
  // `selfObsMeterProvider` is passed through to the SDK's processor, which reports drops and
  // queue length through it; the env-aware wrapper's type does not list it.
  const bufferConfig: BufferConfig & { selfObsMeterProvider: ExportQueueMeter } = {
    maxQueueSize: options.maxQueueSize,
    maxExportBatchSize: options.maxExportBatchSize,
    scheduledDelayMillis: options.scheduledDelayMillis,
    exportTimeoutMillis: options.exportTimeoutMillis,
    selfObsMeterProvider: queueMeter,
  };
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': options.serviceName ?? 'mcp-host' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({
    resource,
    // Lets request spans start off the host's critical path (see RequestSpanIds).
    idGenerator: mcptapIdGenerator,
    spanProcessors: [new BatchSpanProcessor(exporter, bufferConfig)],
  });
  if (options.registerGlobal !== false) trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer(SHIM_TRACER_NAME),
    metrics,
    queueSize: () => queueMeter.readQueueSize(),
    shutdown: () => provider.shutdown(),
  };
}
