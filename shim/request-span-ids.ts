import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';

export interface PresetSpanIds {
  traceId: string;
  spanId: string;
}

/**
 * The id generator of the shim's tracer provider (`startMcptap`). A request's span context has to
 * reach the server in `params._meta` when the request is sent, but starting an OpenTelemetry span
 * there costs more than the shim's whole budget on the host's critical path. So the shim picks the
 * ids itself when the request is sent and starts the span later, off the critical path, with this
 * generator handing out exactly those ids. Outside `withIds` it generates random ids like the
 * SDK's default, so it can serve as any provider's generator: a host with its own provider gets the
 * same fast path by passing `mcptapIdGenerator` as its `idGenerator`.
 */
export class RequestSpanIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private preset: PresetSpanIds | null = null;
  private used = false;

  generateTraceId(): string {
    return this.preset?.traceId ?? this.random.generateTraceId();
  }

  generateSpanId(): string {
    if (this.preset === null) return this.random.generateSpanId();
    this.used = true;
    return this.preset.spanId;
  }

  /** Ids for a span that does not exist yet: the parent's trace (when there is one), a new span id. */
  choose(parentTraceId: string | undefined): PresetSpanIds {
    return {
      traceId: parentTraceId ?? this.random.generateTraceId(),
      spanId: this.random.generateSpanId(),
    };
  }

  /**
   * Runs `start` (which starts one span) with `ids` as the ids generated; tells whether this
   * generator was asked for them, i.e. whether the tracer that started the span uses it.
   */
  withIds<T>(ids: PresetSpanIds, start: () => T): { value: T; used: boolean } {
    this.preset = ids;
    this.used = false;
    try {
      const value = start();
      return { value, used: this.used };
    } finally {
      this.preset = null;
    }
  }
}

/** The one generator shared by `startMcptap`'s provider and every telemetry in the process. */
export const mcptapIdGenerator = new RequestSpanIds();
