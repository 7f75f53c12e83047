import { MetricsRegistry, type Counter, type Gauge } from '../platform/metrics.js';

/**
 * Every figure the shim keeps about itself. The shim runs inside someone else's process, so these
 * are read by the host (or the proxy's logs), never pushed anywhere by themselves.
 */
export interface ShimMetrics {
  registry: MetricsRegistry;
  /** Events extracted, by kind. */
  events: Counter;
  /** Messages and host lines not observed because the extraction queue was full. */
  linesDropped: Counter;
  /** Failures inside the shim that were swallowed so that the host never sees them, by stage. */
  errors: Counter;
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

export function createShimMetrics(registry = new MetricsRegistry()): ShimMetrics {
  return {
    registry,
    events: registry.counter('mcptap_shim_events_total', 'Events extracted from MCP traffic, by kind'),
    linesDropped: registry.counter(
      'mcptap_shim_lines_dropped_total',
      'Messages and host lines dropped because the extraction queue was full',
    ),
    errors: registry.counter(
      'mcptap_shim_errors_total',
      'Shim failures swallowed to protect the host, by stage',
    ),
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
