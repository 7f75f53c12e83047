import { MetricsRegistry, type Counter, type Gauge, type Histogram } from '../platform/index.js';

/** Every metric `mcptap sink` exposes on /metrics, named once. */
export interface SinkMetrics {
  registry: MetricsRegistry;
  /** By `table`. */
  rowsStored: Counter;
  /** By `cause`: invalid_record (not an event or alert) or refused_by_clickhouse. */
  deadLettered: Counter;
  /** By `target`: clickhouse, dead_letter_topic or sink (a whole batch). Each failed attempt; the sink retries. */
  writeFailures: Counter;
  insertDuration: Histogram;
  /** By `topic` and `partition`: records behind the partition's end at its last fetch. */
  consumerLag: Gauge;
  queuedRows: Gauge;
  /** 1 while consumption is paused because ClickHouse or the dead-letter topic refuses writes. */
  paused: Gauge;
}

export function createSinkMetrics(registry = new MetricsRegistry()): SinkMetrics {
  return {
    registry,
    rowsStored: registry.counter('mcptap_sink_rows_stored_total', 'rows inserted into ClickHouse, by table'),
    deadLettered: registry.counter(
      'mcptap_sink_dead_lettered_total',
      'messages sent to the dead-letter topic, by cause (invalid_record, refused_by_clickhouse)',
    ),
    writeFailures: registry.counter(
      'mcptap_sink_write_failures_total',
      'failed write attempts (retried), by target (clickhouse, dead_letter_topic)',
    ),
    insertDuration: registry.histogram(
      'mcptap_sink_insert_duration_seconds',
      'time of one successful ClickHouse insert',
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    consumerLag: registry.gauge(
      'mcptap_sink_consumer_lag',
      "records behind each partition's end at its last fetch, by topic and partition",
    ),
    queuedRows: registry.gauge('mcptap_sink_queued_rows', 'rows decoded and waiting for the writer'),
    paused: registry.gauge(
      'mcptap_sink_paused',
      '1 while consumption is paused because writes fail (ClickHouse or the dead-letter topic)',
    ),
  };
}
