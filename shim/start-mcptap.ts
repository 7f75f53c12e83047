import { trace, type Tracer } from '@opentelemetry/api';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { McptapSpanProcessor, type McptapSpanProcessorOptions } from './mcptap-span-processor.js';
import { mcptapIdGenerator } from './request-span-ids.js';
import type { ShimMetrics } from './shim-metrics.js';
import { SHIM_TRACER_NAME } from './span-emitter.js';

export { API_KEY_HEADER } from './mcptap-span-processor.js';

export interface StartMcptapOptions extends McptapSpanProcessorOptions {
  /** `service.name`; `OTEL_SERVICE_NAME` wins when set. */
  serviceName?: string;
  /** Install as the global tracer provider (default true). */
  registerGlobal?: boolean;
}

export interface Mcptap {
  tracer: Tracer;
  metrics: ShimMetrics;
  /** Spans waiting for export right now. */
  queueSize(): number;
  /** Exports what is queued (bounded by the export timeout) and stops. */
  shutdown(): Promise<void>;
}

/**
 * One call for hosts without OpenTelemetry of their own: a tracer provider whose spans (every
 * span of the provider: the collector keeps or drops other instrumentations' spans by its own
 * configuration) go in batches to the mcptap collector over OTLP/HTTP. The queue is bounded (`maxQueueSize`,
 * `OTEL_BSP_*` honoured); what does not fit, and what the collector refused or never received, is
 * dropped and counted (`metrics.spansDropped`), never waited for.
 */
export function startMcptap(options: StartMcptapOptions = {}): Mcptap {
  const processor = new McptapSpanProcessor({ spans: 'all', ...options });
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': options.serviceName ?? 'mcp-host' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({
    resource,
    // Lets request spans start off the host's critical path (see RequestSpanIds).
    idGenerator: mcptapIdGenerator,
    spanProcessors: [processor],
  });
  if (options.registerGlobal !== false) trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer(SHIM_TRACER_NAME),
    metrics: processor.metrics,
    queueSize: () => processor.queueSize(),
    shutdown: () => provider.shutdown(),
  };
}
