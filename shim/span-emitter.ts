import {
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { encodeEventAsSpan, type McpEvent } from '../model/index.js';
import { mcptapIdGenerator, type PresetSpanIds, type RequestSpanIds } from './request-span-ids.js';
import { createShimMetrics, type ShimMetrics } from './shim-metrics.js';

export const SHIM_TRACER_NAME = 'mcptap-shim';

export interface SpanEmitterOptions {
  /** Defaults to the global tracer provider's tracer, looked up through the API's proxy. */
  tracer?: Tracer;
  metrics?: ShimMetrics;
  /** Request spans started but not yet ended; beyond it the oldest is ended without our attributes. */
  maxOpenSpans?: number;
  /** The id generator that lets request spans start after their context was sent. */
  ids?: RequestSpanIds;
}

/** A request's span whose context was sent with the request, to be started off the critical path. */
export interface PendingRequestSpan {
  key: string;
  name: string;
  ids: PresetSpanIds;
  /** The trace flags sent: the span must be sampled as the server was told. */
  traceFlags: number;
  /** Epoch milliseconds, with the fraction, of the moment the request was sent. */
  startTime: number;
}

const PROBE_SPAN_NAME = 'mcptap.id-probe';

/**
 * Events become spans through the shared codec (model/span-codec.ts). A request to a server gets
 * its span's context when it is sent, so that the context travels to the server in
 * `params._meta`; the event extracted from the response then fills and ends that same span. When
 * the tracer's provider generates ids with `RequestSpanIds` (the shim's own provider does), the
 * ids are chosen when the request is sent and the span is started later, off the host's critical
 * path; with any other provider the span is started when the request is sent.
 * Nothing here awaits the exporter or throws into the caller.
 */
export class SpanEmitter {
  private readonly tracer: Tracer;
  private readonly open = new Map<string, Span>();
  private readonly maxOpenSpans: number;
  private readonly ids: RequestSpanIds;
  /** Whether the tracer takes preset ids (request spans can start late); null until probed. */
  private startsLate: boolean | null = null;
  readonly metrics: ShimMetrics;

  constructor(options: SpanEmitterOptions = {}) {
    this.tracer = options.tracer ?? trace.getTracer(SHIM_TRACER_NAME);
    this.metrics = options.metrics ?? createShimMetrics();
    this.maxOpenSpans = options.maxOpenSpans ?? 10_000;
    this.ids = options.ids ?? mcptapIdGenerator;
  }

  /**
   * On the critical path, as a request is sent: the context of its client span (null when there
   * is none to send), and the span to start later (`startPendingRequestSpan`) unless it had to be started now. `emit` of the
   * request's event ends the span.
   */
  requestSpanContext(
    session: string,
    server: string,
    requestId: string,
    name: string,
    parent: Context,
  ): { spanContext: SpanContext | null; pending: PendingRequestSpan | null } {
    const key = this.key(session, server, requestId);
    if (!this.tracerStartsLate()) {
      const span = this.tracer.startSpan(name, { kind: SpanKind.CLIENT }, parent);
      this.track(key, span);
      const spanContext = span.spanContext();
      // A no-op tracer's (no provider registered) context is invalid: nothing to send.
      return { spanContext: isSpanContextValid(spanContext) ? spanContext : null, pending: null };
    }
    const parentContext = trace.getSpanContext(parent);
    const inTrace = parentContext !== undefined && isSpanContextValid(parentContext);
    const ids = this.ids.choose(inTrace ? parentContext.traceId : undefined);
    const traceFlags = inTrace ? parentContext.traceFlags : TraceFlags.SAMPLED;
    return {
      spanContext: { ...ids, traceFlags, traceState: inTrace ? parentContext.traceState : undefined },
      pending: { key, name, ids, traceFlags, startTime: performance.timeOrigin + performance.now() },
    };
  }

  /** Starts, off the critical path, a request span whose context was already sent. */
  startPendingRequestSpan(pending: PendingRequestSpan, parent: Context): void {
    const { value: span, used } = this.ids.withIds(pending.ids, () =>
      this.tracer.startSpan(pending.name, { kind: SpanKind.CLIENT, startTime: pending.startTime }, parent),
    );
    if (!used || span.spanContext().traceFlags !== pending.traceFlags) {
      // The provider changed, or its sampler disagreed with what the server was told: the server
      // got a context no span of ours has. From now on spans start when their request is sent.
      this.startsLate = false;
      this.metrics.errorsByStage.span.inc();
    }
    this.track(pending.key, span);
  }

  /** Whether the tracer's provider uses `this.ids`: one span started (never ended) tells. */
  private tracerStartsLate(): boolean {
    this.startsLate ??= this.ids.withIds(this.ids.choose(undefined), () =>
      this.tracer.startSpan(PROBE_SPAN_NAME, { root: true }),
    ).used;
    return this.startsLate;
  }

  private track(key: string, span: Span): void {
    this.open.get(key)?.end();
    this.open.set(key, span);
    while (this.open.size > this.maxOpenSpans) {
      const [oldest, stale] = this.open.entries().next().value as [string, Span];
      this.open.delete(oldest);
      stale.end();
    }
  }

  emit(events: readonly McpEvent[]): void {
    for (const event of events) {
      try {
        this.emitOne(event);
        this.metrics.eventsByKind[event.kind].inc();
      } catch {
        this.metrics.errorsByStage.emit.inc();
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
