import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Alert, TopicNames } from '../../model/index.js';
import {
  ensureTopics,
  pipelineTopicSpecs,
  startBatchConsumer,
  type Logger,
  type OtlpTopicSettings,
  type RunningBatchConsumer,
  type TopicSettings,
} from '../../platform/index.js';
import { maskSecretsInText } from '../../secrets/index.js';
import { AlertPoster, type AlertTarget } from '../alerting/alert-poster.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { createDetectorEngine } from '../engine/create-engine.js';
import type { DetectorEngine } from '../engine/detector-engine.js';
import { MemoryStateStore } from '../engine/state-store.js';
import { createDetectorsMetrics, type DetectorsMetrics } from './detectors-metrics.js';
import { DetectorsWriter } from './detectors-writer.js';
import { StateChangelog } from './state-changelog.js';

/**
 * `mcptap detectors` on Kafka: the batch consumer (platform/) over the events and catalog topics,
 * with the detectors' writer as its handler (detectors-writer.ts: engine, alerts and state to
 * Kafka before the offsets are committed) and the alert poster beside it (alert-poster.ts:
 * Alertmanager and webhooks as soon as a batch is processed, without waiting for the alerts topic —
 * on-call hears of an alert first — with its own retry, so a down Alertmanager delays
 * notifications, not detection). State written by other instances is read from the changelog
 * before the first batch after each rebalance, and this instance's state is written when one starts.
 * At-least-once: a redelivered record is recognised by its event id (engine), an alert already
 * active is not raised again (state), so a restart or rebalance neither forgets nor re-notifies; an
 * alert raised twice (a crash before its write, or between the write and the commit) has the same
 * fingerprint, which Alertmanager and the alert store deduplicate.
 */

export interface DetectorsRuntimeOptions {
  kafka: Kafka;
  topics: TopicNames;
  groupId: string;
  rules: DetectorRules;
  /** Where alerts are posted: Alertmanager (AlertNotifier), webhooks (AlertWebhook). */
  notifier: AlertTarget;
  /** More targets beside the notifier (the OCSF webhook). */
  alertTargets?: readonly AlertTarget[];
  logger: Logger;
  /** How the topics are made when missing (the same in every service). */
  topicSettings: TopicSettings;
  tickIntervalMs: number;
  /** Called with every alert once it is written to the alerts topic (tests, the service's log). */
  onAlert?: (alert: Alert) => void;
  instanceId?: string;
  /** Clock for resolution and re-posting (tests). */
  now?: () => number;
  /** Told when a Kafka consumer stopped for good (kafkajs gave up on it): the service should exit. */
  onConsumerStopped?: (error: Error) => void;
  metrics?: DetectorsMetrics;
  /** Most records the engine takes in one batch. */
  batchRecords?: number;
  /** An OTLP protobuf topic consumed besides the events (the OpenTelemetry Collector's kafka exporter). */
  otlpInput?: OtlpTopicSettings | null;
}

/** Partitions fetched and decoded at once (their batches share writes). */
const CONCURRENT_PARTITIONS = 64;

/**
 * How long a fetch waits for records on idle partitions. Commits and heartbeats go over the fetch's
 * connection, on which the broker answers one request at a time: a long poll would hold back the
 * commit of the last write for all of its wait (kafkajs waits 5 s by default).
 */
const FETCH_MAX_WAIT_MS = 200;

/**
 * Batches processed and waiting for their write at once: each waits up to the state interval, and
 * the engine must not wait behind them (alert latency).
 */
const WRITES_IN_FLIGHT = 64;

/** Longest backoff between attempts of a failing write to Kafka. */
const RETRY_MAX_MS = 5000;

export class DetectorsRuntime {
  readonly engine: DetectorEngine;
  readonly metrics: DetectorsMetrics;
  private readonly store = new MemoryStateStore();
  private readonly changelog: StateChangelog;
  private readonly poster: AlertPoster;
  private readonly instanceId: string;
  private readonly now: () => number;
  private producer: Producer | null = null;
  private writer: DetectorsWriter | null = null;
  private consumer: RunningBatchConsumer | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: DetectorsRuntimeOptions) {
    // Unique per process, also across restarts: the changelog skips only this process's own echoes.
    this.instanceId = `${options.instanceId ?? 'detectors'}-${randomUUID().slice(0, 8)}`;
    this.engine = createDetectorEngine(options.rules, this.store);
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics ?? createDetectorsMetrics();
    this.changelog = new StateChangelog({
      kafka: options.kafka,
      topic: options.topics.detectorState,
      instanceId: this.instanceId,
      groupPrefix: options.groupId,
      store: this.store,
      isValid: (key, value) => this.engine.isValidState(key, value),
      logger: options.logger,
      onConsumerStopped: options.onConsumerStopped,
    });
    this.poster = new AlertPoster([options.notifier, ...(options.alertTargets ?? [])], {
      activeAlerts: () => this.engine.activeAlerts(),
      logger: options.logger,
      now: this.now,
    });
  }

  /** Whether the last write of alerts and state to Kafka failed (it is retried). */
  writesFailing(): boolean {
    return this.writer?.writesFailing() ?? false;
  }

  setRules(rules: DetectorRules): void {
    this.engine.setRules(rules);
  }

  async start(): Promise<void> {
    const { kafka, topics, topicSettings, logger, otlpInput } = this.options;
    await ensureTopics(kafka, pipelineTopicSpecs(topics, topicSettings, { otlpTopic: otlpInput?.topic }));
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.producer = producer;
    await producer.connect();
    await this.changelog.start();
    const writer = new DetectorsWriter({
      producer,
      topics,
      engine: this.engine,
      changelog: this.changelog,
      metrics: this.metrics,
      onRaised: (alerts) => this.poster.post(alerts),
      onWritten: this.options.onAlert,
      // The detectors have no opt-in to raw secrets: events from OTLP records are always masked.
      otlpInput: otlpInput
        ? { topic: otlpInput.topic, record: { tenancy: otlpInput.tenancy, mask: maskSecretsInText } }
        : undefined,
      logger,
    });
    this.writer = writer;
    this.consumer = await startBatchConsumer({
      kafka,
      groupId: this.options.groupId,
      topics: [topics.events, topics.catalog, ...(otlpInput ? [otlpInput.topic] : [])],
      handler: writer,
      component: 'detectors',
      // The detectors have no opt-in to raw secrets: their dead letters are always masked.
      deadLetter: { topic: topics.deadLetter, mask: maskSecretsInText },
      logger,
      metrics: this.metrics,
      batchRecords: this.options.batchRecords ?? 5000,
      batchWaitMs: 0,
      writesInFlight: WRITES_IN_FLIGHT,
      retryMaxMs: RETRY_MAX_MS,
      fetchMaxWaitMs: FETCH_MAX_WAIT_MS,
      partitionsConcurrently: CONCURRENT_PARTITIONS,
      // Partitions may have moved here: what their previous owner wrote is applied first.
      afterJoin: () => this.changelog.catchUp(),
      // Whoever takes over a partition reads its state from the changelog once it has joined.
      onRebalancing: () => void writer.durable(true).catch(() => undefined),
      onConsumerStopped: this.options.onConsumerStopped,
      producer,
    });
    this.timer = setInterval(() => {
      writer.tick(this.now());
      this.poster.resend();
    }, this.options.tickIntervalMs);
    logger.info('detectors running', { group: this.options.groupId, instance: this.instanceId });
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    // What was processed is written and committed while the group still owns its partitions.
    const finished = this.writer?.finish().catch(() => undefined);
    await this.consumer?.stop();
    await finished;
    await this.poster.flush();
    this.poster.stop();
    await this.changelog.stop();
    await this.producer?.disconnect();
    this.consumer = null;
    this.producer = null;
  }
}
