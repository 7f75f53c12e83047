import type { Context } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  BatchSpanProcessor,
  type BufferConfig,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { isMcptapSpan } from '../model/index.js';
import { DeliveryReportingExporter, type ExportFailure } from './delivery-reporting-exporter.js';
import { ExportQueueMeter } from './export-queue-meter.js';
import { collectorTarget } from './local-endpoint.js';
import { readShimConfig } from './shim-config.js';
import { createShimMetrics, type ShimMetrics } from './shim-metrics.js';

export const API_KEY_HEADER = 'x-mcptap-api-key';

// The SDK's ExportResult, named without importing @opentelemetry/core (not a shim dependency).
type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];
const EXPORT_SUCCESS = 0;

export interface McptapExporterOptions {
  /**
   * The collector's OTLP/HTTP base URL (`http://127.0.0.1:4318`) or its full traces URL. When
   * absent, the exporter follows `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`;
   * with neither set, MCPTAP_COLLECTOR_URL / MCPTAP_API_KEY, else the `mcptap local` of
   * MCPTAP_DATA_DIR (its endpoint and key), as `mcptap proxy` does. A host that already exports
   * its own spans through those OTEL_* variables passes the endpoint explicitly.
   */
  endpoint?: string;
  /** Sent as `x-mcptap-api-key`; the collector derives the tenant from it. */
  apiKey?: string;
  /** Default `http/protobuf`, or `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`. */
  protocol?: 'http/protobuf' | 'http/json';
  metrics?: ShimMetrics;
  /** Hears of every failed export (its spans are counted dropped); must not throw or block. */
  onExportFailure?: (failure: ExportFailure) => void;
  /**
   * `mcptap` (default): only the spans mcptap emitted, so a host's own spans (HTTP, database, its
   * model calls) stay in the host's pipeline. `all`: every span, for a collector that keeps other
   * instrumentations' spans (MCPTAP_COLLECTOR_FORWARD_RAW_SPANS).
   */
  spans?: 'mcptap' | 'all';
}

export interface McptapSpanProcessorOptions extends McptapExporterOptions {
  /** Spans held while the collector is slow or away; more are dropped and counted. Default 2048. */
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
}

function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

function protocolFromEnv(): McptapExporterOptions['protocol'] {
  const value = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
  return value === 'http/json' ? 'http/json' : 'http/protobuf';
}

/**
 * The endpoint given; else the standard OTEL_* endpoint variables (read by the exporter); else the
 * shim's own configuration or, with none, `mcptap local` — as the proxy does. A bad variable leaves
 * the exporter's defaults rather than failing the host.
 */
function targetOf(options: McptapExporterOptions): { url?: string; apiKey?: string } {
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

/** Passes on only the spans mcptap emitted. */
class McptapSpansOnlyExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const ours = spans.filter((span) => isMcptapSpan(span.attributes));
    if (ours.length === 0) resultCallback({ code: EXPORT_SUCCESS });
    else this.inner.export(ours, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * An OTLP/HTTP exporter to the mcptap collector, for a host to add to a span processor of its own
 * (`new BatchSpanProcessor(createMcptapSpanExporter({ … }))`). It sends mcptap's spans only, and
 * counts the spans of failed exports as dropped (`metrics.spansDropped`).
 */
export function createMcptapSpanExporter(options: McptapExporterOptions = {}): SpanExporter {
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
    options.metrics ?? createShimMetrics(),
    options.onExportFailure,
  );
  return options.spans === 'all' ? exporter : new McptapSpansOnlyExporter(exporter);
}

/**
 * The span processor `startMcptap` runs, for a host with a tracer provider (or NodeSDK) of its own
 * to add beside its processors: mcptap's spans go in batches to the mcptap collector; the host's
 * other spans are not queued (unless `spans: 'all'`). The queue is bounded (`maxQueueSize`, `OTEL_BSP_*` honoured); what
 * does not fit, and what the collector refused or never received, is dropped and counted, never
 * waited for.
 */
export class McptapSpanProcessor implements SpanProcessor {
  readonly metrics: ShimMetrics;
  private readonly queueMeter: ExportQueueMeter;
  private readonly batch: BatchSpanProcessor;
  private readonly allSpans: boolean;

  constructor(options: McptapSpanProcessorOptions = {}) {
    this.metrics = options.metrics ?? createShimMetrics();
    this.queueMeter = new ExportQueueMeter(this.metrics);
    this.allSpans = options.spans === 'all';
    // `selfObsMeterProvider` is passed through to the SDK's processor, which reports drops and
    // queue length through it; the env-aware wrapper's type does not list it.
    const bufferConfig: BufferConfig & { selfObsMeterProvider: ExportQueueMeter } = {
      maxQueueSize: options.maxQueueSize,
      maxExportBatchSize: options.maxExportBatchSize,
      scheduledDelayMillis: options.scheduledDelayMillis,
      exportTimeoutMillis: options.exportTimeoutMillis,
      selfObsMeterProvider: this.queueMeter,
    };
    this.batch = new BatchSpanProcessor(
      createMcptapSpanExporter({ ...options, metrics: this.metrics }),
      bufferConfig,
    );
  }

  /** Spans waiting for export right now. */
  queueSize(): number {
    return this.queueMeter.readQueueSize();
  }

  onStart(span: Span, parentContext: Context): void {
    this.batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (this.allSpans || isMcptapSpan(span.attributes)) this.batch.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}
