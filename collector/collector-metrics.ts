import { MetricsRegistry, type Counter, type Gauge, type Histogram } from '../platform/index.js';

/** Every metric the collector exposes on /metrics, named once. */
export interface CollectorMetrics {
  registry: MetricsRegistry;
  /** By `status` (HTTP status code) of the answer to POST /v1/traces. */
  requests: Counter;
  spansReceived: Counter;
  /** By `reason`: invalid_ids, invalid_event, record_too_large, rate_limited, kafka_unavailable. */
  spansRejected: Counter;
  /** By event `kind` (and `raw_span`). */
  recordsProduced: Counter;
  /** By `action`: dropped or forwarded. */
  spansNotOurs: Counter;
  requestDuration: Histogram;
  inFlightBytes: Gauge;
  inFlightRequests: Gauge;
  kafkaReady: Gauge;
}

export function createCollectorMetrics(registry = new MetricsRegistry()): CollectorMetrics {
  return {
    registry,
    requests: registry.counter(
      'mcptap_collector_requests_total',
      'OTLP export requests answered, by HTTP status',
    ),
    spansReceived: registry.counter(
      'mcptap_collector_spans_received_total',
      'spans decoded from authenticated requests',
    ),
    spansRejected: registry.counter('mcptap_collector_spans_rejected_total', 'spans not accepted, by reason'),
    recordsProduced: registry.counter(
      'mcptap_collector_records_produced_total',
      'records acknowledged by Kafka, by event kind',
    ),
    spansNotOurs: registry.counter(
      'mcptap_collector_spans_not_ours_total',
      'spans of other instrumentations, dropped or forwarded to the raw-spans topic',
    ),
    requestDuration: registry.histogram(
      'mcptap_collector_request_duration_seconds',
      'time from request to answer for POST /v1/traces',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    inFlightBytes: registry.gauge(
      'mcptap_collector_inflight_bytes',
      'bytes of request bodies and records held in memory',
    ),
    inFlightRequests: registry.gauge(
      'mcptap_collector_inflight_requests',
      'requests being read, decoded or awaiting Kafka',
    ),
    kafkaReady: registry.gauge(
      'mcptap_collector_kafka_ready',
      '1 when Kafka was verified reachable recently',
    ),
  };
}
