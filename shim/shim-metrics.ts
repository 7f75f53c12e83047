import { EVENT_KINDS, type McpEventKind } from '../model/index.js';
import { MetricsRegistry, type BoundCounter, type Counter, type Gauge } from '../platform/metrics.js';

/** Where in the shim a swallowed failure happened: the `stage` label of `errors`. */
export const SHIM_ERROR_STAGES = [
  'transport',
  'observe',
  'decode',
  'oversized_line',
  'parse',
  'extract',
  'record',
  'span',
  'emit',
  'report',
] as const;
export type ShimErrorStage = (typeof SHIM_ERROR_STAGES)[number];

/**
 * Every figure the shim keeps about itself. The shim runs inside someone else's process, so these
 * are read by the host (or the proxy's logs), never pushed anywhere by themselves.
 */
export interface ShimMetrics {
  registry: MetricsRegistry;
  /** Events extracted, by kind. */
  events: Counter;
  /** `events` of each kind, bound once: counting an event on the host's path builds no label string. */
  eventsByKind: Readonly<Record<McpEventKind, BoundCounter>>;
  /** Messages and host lines not observed because the extraction queue was full. */
  linesDropped: Counter;
  /** Failures inside the shim that were swallowed so that the host never sees them, by stage. */
  errors: Counter;
  /** `errors` of each stage, bound once. */
  errorsByStage: Readonly<Record<ShimErrorStage, BoundCounter>>;
  /**
   * Spans lost: refused by the full export queue (collector slow or unreachable), or in an export
   * that failed after the exporter's retries (collector unreachable, key refused).
   */
  spansDropped: Counter;
  /** Spans handed to the exporter, by outcome (`ok` or the error name). */
  spansExported: Counter;
  /** Spans waiting in the export queue. */
  queueSize: Gauge;
}

function boundBy<L extends string>(
  counter: Counter,
  label: string,
  values: readonly L[],
): Record<L, BoundCounter> {
  return Object.fromEntries(values.map((value) => [value, counter.bind({ [label]: value })])) as Record<
    L,
    BoundCounter
  >;
}

export function createShimMetrics(registry = new MetricsRegistry()): ShimMetrics {
  const events = registry.counter('mcptap_shim_events_total', 'Events extracted from MCP traffic, by kind');
  const errors = registry.counter(
    'mcptap_shim_errors_total',
    'Shim failures swallowed to protect the host, by stage',
  );
  return {
    registry,
    events,
    eventsByKind: boundBy(events, 'kind', EVENT_KINDS),
    linesDropped: registry.counter(
      'mcptap_shim_lines_dropped_total',
      'Messages and host lines dropped because the extraction queue was full',
    ),
    errors,
    errorsByStage: boundBy(errors, 'stage', SHIM_ERROR_STAGES),
    spansDropped: registry.counter(
      'mcptap_shim_spans_dropped_total',
      'Spans lost: export queue full, or export failed after retries',
    ),
    spansExported: registry.counter(
      'mcptap_shim_spans_exported_total',
      'Spans passed to the exporter, by outcome',
    ),
    queueSize: registry.gauge('mcptap_shim_export_queue_size', 'Spans waiting in the export queue'),
  };
}
