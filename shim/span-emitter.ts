import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { encodeEventAsSpan, type McpEvent } from '../model/index.js';
import { createShimMetrics, type ShimMetrics } from './shim-metrics.js';

export const SHIM_TRACER_NAME = 'mcptap-shim';

export interface SpanEmitterOptions {
  /** Defaults to the global tracer provider's tracer, looked up through the API's proxy. */
  tracer?: Tracer;
  metrics?: ShimMetrics;
  /** Request spans started but not yet ended; beyond it the oldest is ended without our attributes. */
  maxOpenSpans?: number;
}

/**
 * Events become spans through the shared codec (model/span-codec.ts). A request to a server can
 * get its span started when it is sent, so that its context travels to the server in
 * `params._meta`; the event extracted from the response then fills and ends that same span.
 * Nothing here awaits the exporter or throws into the caller.
 */
export class SpanEmitter {
  private readonly tracer: Tracer;
  private readonly open = new Map<string, Span>();
  private readonly maxOpenSpans: number;
  readonly metrics: ShimMetrics;

  constructor(options: SpanEmitterOptions = {}) {
    this.tracer = options.tracer ?? trace.getTracer(SHIM_TRACER_NAME);
    this.metrics = options.metrics ?? createShimMetrics();
    this.maxOpenSpans = options.maxOpenSpans ?? 10_000;
  }

  /** Starts the client span of a request now; `emit` of its event ends it. */
  startRequestSpan(session: string, server: string, requestId: string, name: string): Span {
    const span = this.tracer.startSpan(name, { kind: SpanKind.CLIENT }, context.active());
    const key = this.key(session, server, requestId);
    this.open.get(key)?.end();
    this.open.set(key, span);
    while (this.open.size > this.maxOpenSpans) {
      const [oldest, stale] = this.open.entries().next().value as [string, Span];
      this.open.delete(oldest);
      stale.end();
    }
    return span;
  }

  emit(events: readonly McpEvent[]): void {
    for (const event of events) {
      try {
        this.emitOne(event);
        this.metrics.events.inc({ kind: event.kind });
      } catch {
        this.metrics.errors.inc({ stage: 'emit' });
      }
    }
  }

  private emitOne(event: McpEvent): void {
    const encoded = encodeEventAsSpan(event);
    const requestKey =
      'request_id' in event ? this.key(event.session_id, event.server_name, event.request_id) : null;
    let span = requestKey === null ? undefined : this.open.get(requestKey);
    if (span !== undefined && requestKey !== null) {
      this.open.delete(requestKey);
      span.updateName(encoded.name);
      span.setAttributes(encoded.attributes);
    } else {
      span = this.tracer.startSpan(
        encoded.name,
        {
          kind: encoded.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL,
          startTime: encoded.startTimeMs,
          attributes: encoded.attributes,
        },
        context.active(),
      );
    }
    if (encoded.error) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(encoded.endTimeMs);
  }

  private key(session: string, server: string, requestId: string): string {
    return `${session}\u0000${server}\u0000${requestId}`;
  }
}
