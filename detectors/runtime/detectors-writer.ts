import type { Producer, TopicMessages } from 'kafkajs';
import { parseEvent, type Alert, type McpEvent, type TopicNames } from '../../model/index.js';
import { decodeOtlpRecord, rejectedSpansReport, type OtlpRecordOptions } from '../../otlp/index.js';
import {
  decodeJsonRecord,
  type BatchHandler,
  type ConsumedRecord,
  type Decoded,
  type Logger,
} from '../../platform/index.js';
import { toOcsfDetectionFinding } from '../alerting/ocsf-finding.js';
import type { DetectorEngine } from '../engine/detector-engine.js';
import type { DetectorsMetrics } from './detectors-metrics.js';
import type { StateChangelog } from './state-changelog.js';

/**
 * The detectors' handler on the batch consumer: runs the engine over each record as it is decoded
 * (once, in fetch order per partition), hands the alerts to the alert poster at once, and resolves
 * a batch's write once its effects are in Kafka — alerts on the alerts topic and, as OCSF Detection Findings, on the OCSF
 * alerts topic (both keyed by fingerprint), state changes on the compacted changelog — so that its
 * offsets are committed only after them.
 * Batches share writes (group commit: a write takes everything raised until it starts), at most one
 * in flight. Alerts are written at once; state changes at most every STATE_WRITE_INTERVAL_MS,
 * coalesced per key (a session's state once, not once per batch), in the same request as the
 * alerts of the moment. A failed write keeps its alerts and state for the next one: the engine
 * recognises redelivered events and would not raise their alerts again.
 */

/**
 * State changes are written at most this often: a key changed by many batches in the meantime is
 * written once. Alerts do not wait for it; only the offsets' commit does.
 */
const STATE_WRITE_INTERVAL_MS = 250;

export interface DetectorsWriterOptions {
  producer: Producer;
  topics: TopicNames;
  engine: DetectorEngine;
  changelog: StateChangelog;
  metrics: DetectorsMetrics;
  /** Alerts as the engine raises or resolves them, before they are written (the alert poster). */
  onRaised: (alerts: readonly Alert[]) => void;
  /** Each alert once it is written to the alerts topic. */
  onWritten?: (alert: Alert) => void;
  /** The OTLP protobuf topic consumed besides the events, and how its spans become events. */
  otlpInput?: { topic: string; record: OtlpRecordOptions };
  logger: Logger;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class DetectorsWriter implements BatchHandler<readonly McpEvent[]> {
  /** Alerts raised and not written yet. */
  private alerts: Alert[] = [];
  /** Batches waiting for a write of the state that starts after they were processed. */
  private waiting: Waiter[] = [];
  private sending: Promise<void> | null = null;
  private lastStateWrite = 0;
  private stateTimer: NodeJS.Timeout | null = null;
  /** State goes with every write (stopping: nothing may wait for the interval). */
  private stateAtOnce = false;
  private lastWriteFailed = false;
  /**
   * Records processed since the last write, by topic: the metric is counted per batch, since its
   * labels cost more than the increment.
   */
  private readonly processed = new Map<string, number>();

  constructor(private readonly options: DetectorsWriterOptions) {}

  /** Whether the last write of alerts and state to Kafka failed (it is retried with the next). */
  writesFailing(): boolean {
    return this.lastWriteFailed;
  }

  /**
   * Parses the record (one event, or an OTLP request's events) and runs the engine over it at
   * once, as it is fetched (in fetch order per partition): its alerts go to the poster without
   * waiting for any write.
   */
  decode(record: ConsumedRecord): Decoded<readonly McpEvent[]> {
    const decoded = this.events(record);
    if (!decoded.ok) return decoded;
    this.processed.set(record.topic, (this.processed.get(record.topic) ?? 0) + 1);
    for (const event of decoded.value) this.raise(this.options.engine.process(event));
    return decoded;
  }

  private events(record: ConsumedRecord): Decoded<readonly McpEvent[]> {
    const { otlpInput, logger } = this.options;
    if (otlpInput === undefined || record.topic !== otlpInput.topic) {
      const decoded = decodeJsonRecord(record.value, parseEvent, 'event');
      return decoded.ok ? { ok: true, value: [decoded.value] } : decoded;
    }
    const decoded = decodeOtlpRecord(record, otlpInput.record);
    if (!decoded.ok) return decoded;
    const { events } = decoded.value;
    const rejected = rejectedSpansReport(record, decoded.value);
    if (rejected !== undefined) logger.warn('spans of an OTLP record rejected', rejected);
    return { ok: true, value: events };
  }

  /** The batch was processed as it was decoded: resolves once its alerts and state are written. */
  write(): Promise<void> {
    for (const [topic, count] of this.processed) this.options.metrics.recordsProcessed.inc({ topic }, count);
    this.processed.clear();
    return this.durable();
  }

  /** Time-based work: alert resolution; its alerts are written at once. */
  tick(nowMs: number): void {
    this.raise(this.options.engine.tick(nowMs));
  }

  /**
   * Resolves once everything processed before the call, state included, is written; `now` writes
   * the state without waiting for the interval (a rebalance: whoever takes over reads it).
   */
  durable(now = false): Promise<void> {
    if (now) this.lastStateWrite = 0;
    const written = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.send();
    return written;
  }

  /** From now on state goes with every write; resolves once what is pending is written. */
  async finish(): Promise<void> {
    this.stateAtOnce = true;
    if (this.stateTimer !== null) clearTimeout(this.stateTimer);
    this.stateTimer = null;
    await this.durable();
  }

  private raise(alerts: readonly Alert[]): void {
    if (alerts.length === 0) return;
    for (const alert of alerts) {
      this.options.metrics.alertsRaised.inc({ rule: alert.rule, status: alert.status });
      this.alerts.push(alert);
    }
    this.options.onRaised(alerts);
    this.send();
  }

  /** Starts the next write unless one is in flight (its end starts the next). */
  private send(): void {
    if (this.sending !== null) return;
    const now = Date.now();
    const stateDue =
      this.waiting.length > 0 && (this.stateAtOnce || now - this.lastStateWrite >= STATE_WRITE_INTERVAL_MS);
    if (!stateDue && this.waiting.length > 0) {
      this.stateTimer ??= setTimeout(
        () => {
          this.stateTimer = null;
          this.send();
        },
        STATE_WRITE_INTERVAL_MS - (now - this.lastStateWrite),
      );
    }
    if (!stateDue && this.alerts.length === 0) return;
    const waiters = stateDue ? this.waiting.splice(0) : [];
    if (stateDue) this.lastStateWrite = now;
    this.sending = this.publish(stateDue).then(
      () => {
        for (const waiter of waiters) waiter.resolve();
      },
      (error: unknown) => {
        // Those waiting for the next write fail too: each retries (the consumer's backoff) or gives up.
        for (const waiter of [...waiters, ...this.waiting.splice(0)]) waiter.reject(error);
      },
    );
    void this.sending.finally(() => {
      this.sending = null;
      // After a failure the next write waits for a retry (the consumer's backoff) or a tick.
      if (!this.lastWriteFailed) this.send();
    });
  }

  /** Alerts and, when due, the state changes, in one produce request. */
  private async publish(withState: boolean): Promise<void> {
    const { producer, topics, changelog, metrics } = this.options;
    const alerts = this.alerts;
    this.alerts = [];
    const state = withState ? changelog.collect() : [];
    const topicMessages: TopicMessages[] = [];
    if (alerts.length > 0) {
      topicMessages.push({
        topic: topics.alerts,
        messages: alerts.map((alert) => ({ key: alert.fingerprint, value: JSON.stringify(alert) })),
      });
      topicMessages.push({
        topic: topics.alertsOcsf,
        messages: alerts.map((alert) => ({
          key: alert.fingerprint,
          value: JSON.stringify(toOcsfDetectionFinding(alert)),
        })),
      });
    }
    if (state.length > 0) topicMessages.push({ topic: changelog.topic, messages: state });
    if (topicMessages.length === 0) return;
    const started = performance.now();
    try {
      await producer.sendBatch({ acks: -1, topicMessages });
    } catch (error) {
      metrics.writes.inc({ outcome: 'failed' });
      this.lastWriteFailed = true;
      this.alerts = [...alerts, ...this.alerts];
      if (withState) {
        changelog.requeue();
        this.lastStateWrite = 0;
      }
      throw error;
    }
    metrics.writes.inc({ outcome: 'ok' });
    metrics.writeDuration.observe((performance.now() - started) / 1000);
    this.lastWriteFailed = false;
    for (const alert of alerts) this.options.onWritten?.(alert);
  }
}
