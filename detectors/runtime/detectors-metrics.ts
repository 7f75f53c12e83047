import { MetricsRegistry, type Counter, type Gauge, type Histogram } from '../../platform/index.js';

/** Every metric `mcptap detectors` exposes on /metrics, named once. */
export interface DetectorsMetrics {
  registry: MetricsRegistry;
  /** By `topic`. */
  recordsProcessed: Counter;
  /** By `rule` and `status` (firing, resolved). */
  alertsRaised: Counter;
  /** By `cause`: invalid_record (not an event). */
  deadLettered: Counter;
  /** Writes of alerts, dead letters and state to Kafka, by `outcome` (ok, failed; failed ones are retried). */
  writes: Counter;
  writeDuration: Histogram;
  /** POSTs to Alertmanager, by `outcome` (ok, failed; failed alerts go with the next post). */
  alertmanagerPosts: Counter;
  /** By `topic` and `partition`: records behind the partition's end at its last fetch. */
  consumerLag: Gauge;
  /** Events decoded and waiting for the engine. */
  queued: Gauge;
  /** 1 while consumption is paused because writes to Kafka fail. */
  paused: Gauge;
  /** By `target`: failed attempts of the consumer's writes (detectors, dead_letter_topic), retried. */
  writeFailures: Counter;
}

export function createDetectorsMetrics(registry = new MetricsRegistry()): DetectorsMetrics {
  return {
    registry,
    recordsProcessed: registry.counter(
      'mcptap_detectors_records_processed_total',
      'event and catalog records run through the detectors, by topic',
    ),
    alertsRaised: registry.counter(
      'mcptap_detectors_alerts_total',
      'alerts raised and resolved, by rule and status',
    ),
    deadLettered: registry.counter(
      'mcptap_detectors_dead_lettered_total',
      'records that are not valid events, sent to the dead-letter topic, by cause',
    ),
    writes: registry.counter(
      'mcptap_detectors_writes_total',
      'writes of alerts, dead letters and detector state to Kafka, by outcome (failed ones are retried)',
    ),
    writeDuration: registry.histogram(
      'mcptap_detectors_write_duration_seconds',
      'time of one successful write to Kafka (acks=all)',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ),
    alertmanagerPosts: registry.counter(
      'mcptap_detectors_alertmanager_posts_total',
      'POSTs to Alertmanager, by outcome (alerts of a failed post go with the next one)',
    ),
    consumerLag: registry.gauge(
      'mcptap_detectors_consumer_lag',
      "records behind each partition's end at its last fetch, by topic and partition",
    ),
    queued: registry.gauge('mcptap_detectors_queued_records', 'events decoded and waiting for the engine'),
    paused: registry.gauge(
      'mcptap_detectors_paused',
      '1 while consumption is paused because writes to Kafka fail (retried with backoff)',
    ),
    writeFailures: registry.counter(
      'mcptap_detectors_write_failures_total',
      'failed attempts of a batch write or a dead letter (retried), by target (detectors, dead_letter_topic)',
    ),
  };
}
