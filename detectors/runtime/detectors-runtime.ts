import { randomUUID } from 'node:crypto';
import {
  Partitioners,
  type Consumer,
  type Kafka,
  type Message,
  type Producer,
  type TopicMessages,
  type TopicPartitionOffset,
} from 'kafkajs';
import { EventValidationError, parseEvent, type Alert, type TopicNames } from '../../model/index.js';
import {
  ensureTopics,
  lagAfterBatch,
  pipelineTopicSpecs,
  whenConsumerGivesUp,
  type Logger,
  type TopicSettings,
} from '../../platform/index.js';
import { maskSecrets } from '../../secrets/index.js';
import type { AlertNotifier } from '../alerting/alert-notifier.js';
import { toOcsfDetectionFinding } from '../alerting/ocsf-finding.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { createDetectorEngine } from '../engine/create-engine.js';
import type { DetectorEngine } from '../engine/detector-engine.js';
import { MemoryStateStore } from '../engine/state-store.js';
import { createDetectorsMetrics, type DetectorsMetrics } from './detectors-metrics.js';
import { StateChangelog } from './state-changelog.js';

/**
 * `mcptap detectors` on Kafka: one consumer group over the events and catalog topics, the engine
 * per record, then — before a batch's offsets are committed — alerts to the alerts topic and, as
 * OCSF Detection Findings, to the OCSF alerts topic (both keyed by fingerprint) and state changes to the compacted changelog. Batches share writes (group commit: a
 * write takes everything processed until it starts) and do not wait for their own: the next fetch
 * is processed while it is sent, and a batch waits only for the write before it, so at most one
 * write is in flight. Alerts are written at once; state changes at most every
 * STATE_WRITE_INTERVAL_MS, coalesced per key (a session's state once, not once per batch), in the
 * same request as the alerts of the moment. Offsets are committed after the write that carries
 * their batches' state, one commit at a time and in write order, without holding up fetching.
 * Alertmanager is posted to as soon as a batch is processed, without waiting for the alerts topic
 * (on-call hears of an alert first), by one poster at a time that the consumer does not wait for (a
 * down Alertmanager delays notifications, not detection; undelivered alerts are retried).
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
  notifier: AlertNotifier;
  logger: Logger;
  /** How the topics are made when missing (the same in every service). */
  topicSettings: TopicSettings;
  tickIntervalMs: number;
  /** Called with every alert produced (tests, embedded mode, the terminal printer). */
  onAlert?: (alert: Alert) => void;
  instanceId?: string;
  /** Clock for resolution and re-posting (tests). */
  now?: () => number;
  /** Told when a Kafka consumer stopped for good (kafkajs gave up on it): the service should exit. */
  onConsumerStopped?: (error: Error) => void;
  metrics?: DetectorsMetrics;
}

/** At most this many partitions' batches are processed at once (they share one write). */
const CONCURRENT_PARTITIONS = 64;

/**
 * How long a fetch waits for records on idle partitions. Commits and heartbeats go over the fetch's
 * connection, on which the broker answers one request at a time: a long poll would hold back the
 * commit of the last write for all of its wait (kafkajs waits 5 s by default).
 */
const FETCH_MAX_WAIT_MS = 200;

/**
 * State changes are written at most this often: a key changed by many batches in the meantime is
 * written once. Alerts do not wait for it; only the offsets' commit does.
 */
const STATE_WRITE_INTERVAL_MS = 250;

/** A partition's offset to commit once the write carrying its batches' effects is acknowledged. */
interface ProcessedOffset extends TopicPartitionOffset {
  /** Group generation it was fetched in: after a rebalance, the group redelivers from its commit. */
  generation: number;
}

export class DetectorsRuntime {
  readonly engine: DetectorEngine;
  readonly metrics: DetectorsMetrics;
  private readonly store = new MemoryStateStore();
  private readonly changelog: StateChangelog;
  private readonly instanceId: string;
  private producer: Producer | null = null;
  private consumer: Consumer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private rejoined = true;
  private generation = 0;
  private stopping = false;
  /** Resolves once the changelog written before the last rebalance is applied. */
  private caughtUp: Promise<void> = Promise.resolve();
  /** Alerts and dead letters processed but not written yet. */
  private alerts: Alert[] = [];
  private deadLetters: Array<{ topic: string; partition: number; offset: string; reason: string }> = [];
  /** Offsets of the batches processed since the last state write started, by `topic|partition`. */
  private processed = new Map<string, ProcessedOffset>();
  /** The write being sent (or the last one sent), and the next one, which starts after it. */
  private sending: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private lastStateWrite = 0;
  private stateTimer: NodeJS.Timeout | null = null;
  /** Offsets written and waiting for the committer, which commits one request at a time. */
  private toCommit = new Map<string, ProcessedOffset>();
  private committing: Promise<void> | null = null;
  /** Alerts raised and not yet posted to Alertmanager, and whether active alerts are due for re-posting. */
  private toNotify: Alert[] = [];
  private resendDue = false;
  private notifying: Promise<void> | null = null;
  private readonly now: () => number;
  private lastWriteFailed = false;

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
  }

  /** Whether the last write of alerts and state to Kafka failed (it is retried with the next). */
  writesFailing(): boolean {
    return this.lastWriteFailed;
  }

  setRules(rules: DetectorRules): void {
    this.engine.setRules(rules);
  }

  async start(): Promise<void> {
    const { kafka, topics, topicSettings, logger } = this.options;
    await ensureTopics(kafka, pipelineTopicSpecs(topics, topicSettings));
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    await this.changelog.start();

    this.consumer = kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.rejoined = true;
      this.generation++;
    });
    if (this.options.onConsumerStopped)
      whenConsumerGivesUp(this.consumer, logger, this.options.onConsumerStopped);
    // Whoever takes over a partition reads its state from the changelog once it has joined.
    this.consumer.on(this.consumer.events.REBALANCING, () => void this.flushState());
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topics.events, topics.catalog], fromBeginning: true });
    // A resolved offset is where the next fetch starts; offsets are committed here, after the write.
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: CONCURRENT_PARTITIONS,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (this.rejoined) {
          // Partitions may have moved here: apply what their previous owner wrote first.
          this.rejoined = false;
          this.caughtUp = this.changelog.catchUp().catch((error: unknown) => {
            this.rejoined = true;
            throw error;
          });
        }
        await this.caughtUp;
        // Processing is synchronous: stopping or seeking cannot happen in the middle of the batch.
        const last = isRunning() && !isStale() ? (batch.messages.at(-1)?.offset ?? null) : null;
        if (last !== null) {
          this.metrics.consumerLag.set(lagAfterBatch(batch), {
            topic: batch.topic,
            partition: String(batch.partition),
          });
          this.metrics.recordsProcessed.inc({ topic: batch.topic }, batch.messages.length);
          for (const message of batch.messages)
            this.processRecord(batch.topic, batch.partition, message.offset, message.value);
          this.notify();
          resolveOffset(last);
          this.processed.set(`${batch.topic}|${batch.partition}`, {
            topic: batch.topic,
            partition: batch.partition,
            offset: (BigInt(last) + 1n).toString(),
            generation: this.generation,
          });
        }
        const previous = this.sending;
        const written = this.write();
        // Stopping: this batch is written and committed before the group is left.
        if (this.stopping) await written.then(() => this.committing);
        else await previous;
        try {
          await heartbeat();
        } catch (error) {
          // The group is rebalancing (kafkajs rejoins once this batch returns): state first.
          await this.flushState();
          throw error;
        }
      },
    });
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) =>
        logger.error('detector tick failed', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }, this.options.tickIntervalMs);
    logger.info('detectors running', { group: this.options.groupId, instance: this.instanceId });
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.stopping = true;
    // What was processed is written and committed while the group still owns its partitions.
    await this.write().catch(() => undefined);
    await this.committing;
    await this.consumer?.disconnect();
    await this.sending.catch(() => undefined);
    if (this.stateTimer !== null) clearTimeout(this.stateTimer);
    this.stateTimer = null;
    await this.notifying;
    await this.changelog.stop();
    await this.producer?.disconnect();
    this.consumer = null;
    this.producer = null;
  }

  private processRecord(topic: string, partition: number, offset: string, value: Buffer | null): void {
    if (value === null) return;
    let event;
    try {
      event = parseEvent(JSON.parse(value.toString('utf8')));
    } catch (error) {
      // A validation message may quote a value of the record: it never carries a secret raw.
      const reason = error instanceof EventValidationError ? maskSecrets(error.message) : 'not JSON';
      this.deadLetters.push({ topic, partition, offset, reason });
      return;
    }
    for (const alert of this.engine.process(event)) this.raise(alert);
  }

  /** An alert goes to the next write and to the Alertmanager poster, independently. */
  private raise(alert: Alert): void {
    this.metrics.alertsRaised.inc({ rule: alert.rule, status: alert.status });
    this.alerts.push(alert);
    this.toNotify.push(alert);
  }

  private async tick(): Promise<void> {
    for (const alert of this.engine.tick(this.now())) this.raise(alert);
    this.resendDue = true;
    this.notify();
    await this.write();
  }

  /**
   * Resolves once everything processed before the call is written: joins the next write, which
   * starts when the one being sent ends.
   */
  private write(): Promise<void> {
    if (this.queued === null) {
      const run = () => {
        this.queued = null;
        this.sending = this.publish();
        // Whoever waits for a write sees its failure; nobody has to.
        this.sending.catch(() => undefined);
        return this.sending;
      };
      this.queued = this.sending.then(run, run);
    }
    return this.queued;
  }

  /** Resolves once the state changed so far is written (or its write failed). */
  private flushState(): Promise<void> {
    this.lastStateWrite = 0;
    return this.write().catch(() => undefined);
  }

  /**
   * Alerts and dead letters, and when due the state changes, in one produce request; once
   * acknowledged, the offsets of the batches whose state it carried go to the committer. A failed
   * write is retried with the next one.
   */
  private async publish(): Promise<void> {
    const producer = this.producer;
    if (producer === null) throw new Error('detectors runtime is not started');
    const now = Date.now();
    const withState = this.stopping || now - this.lastStateWrite >= STATE_WRITE_INTERVAL_MS;
    const alerts = this.alerts;
    const letters = this.deadLetters;
    let offsets = new Map<string, ProcessedOffset>();
    let state: Message[] = [];
    this.alerts = [];
    this.deadLetters = [];
    if (withState) {
      offsets = this.processed;
      this.processed = new Map();
      state = this.changelog.collect();
      this.lastStateWrite = now;
    } else {
      this.stateTimer ??= setTimeout(
        () => {
          this.stateTimer = null;
          this.write().catch(() => undefined);
        },
        STATE_WRITE_INTERVAL_MS - (now - this.lastStateWrite),
      );
    }
    const topicMessages: TopicMessages[] = [];
    if (alerts.length > 0) {
      topicMessages.push({
        topic: this.options.topics.alerts,
        messages: alerts.map((alert) => ({ key: alert.fingerprint, value: JSON.stringify(alert) })),
      });
      topicMessages.push({
        topic: this.options.topics.alertsOcsf,
        messages: alerts.map((alert) => ({
          key: alert.fingerprint,
          value: JSON.stringify(toOcsfDetectionFinding(alert)),
        })),
      });
    }
    if (letters.length > 0) {
      // Coordinates and reason only: the payload may carry secrets and stays in its topic.
      topicMessages.push({
        topic: this.options.topics.deadLetter,
        messages: letters.map((l) => ({
          key: `${l.topic}/${l.partition}/${l.offset}`,
          value: JSON.stringify({ ...l, consumer: 'detectors' }),
        })),
      });
    }
    if (state.length > 0) topicMessages.push({ topic: this.changelog.topic, messages: state });
    if (topicMessages.length > 0) {
      const started = performance.now();
      try {
        await producer.sendBatch({ acks: -1, topicMessages });
        this.metrics.writes.inc({ outcome: 'ok' });
        this.lastWriteFailed = false;
        this.metrics.writeDuration.observe((performance.now() - started) / 1000);
      } catch (error) {
        this.metrics.writes.inc({ outcome: 'failed' });
        this.lastWriteFailed = true;
        // Kept for the next write: the engine will not raise them again for redelivered events.
        this.alerts = [...alerts, ...this.alerts];
        this.deadLetters = [...letters, ...this.deadLetters];
        if (withState) {
          this.changelog.requeue();
          for (const [key, offset] of offsets) if (!this.processed.has(key)) this.processed.set(key, offset);
          this.lastStateWrite = 0;
        }
        throw error;
      }
      for (const alert of alerts) this.options.onAlert?.(alert);
      this.metrics.deadLettered.inc({}, letters.length);
      if (letters.length > 0)
        this.options.logger.warn('records not understood, sent to dead letter', { count: letters.length });
    }
    this.commit(offsets);
  }

  /** Hands written offsets to the committer; one commit at a time, the ones waiting go together. */
  private commit(offsets: ReadonlyMap<string, ProcessedOffset>): void {
    for (const [key, offset] of offsets) this.toCommit.set(key, offset);
    if (this.committing === null && this.toCommit.size > 0) this.committing = this.commitOffsets();
  }

  private async commitOffsets(): Promise<void> {
    try {
      while (this.toCommit.size > 0) {
        const offsets = [...this.toCommit.values()];
        this.toCommit = new Map();
        const current = offsets
          .filter((o) => o.generation === this.generation)
          .map(({ topic, partition, offset }) => ({ topic, partition, offset }));
        try {
          if (current.length > 0) await this.consumer?.commitOffsets(current);
        } catch (error) {
          // Committed with the next write's offsets; until then a restart redelivers the records,
          // whose effects are written, so they are recognised.
          for (const o of offsets) {
            const key = `${o.topic}|${o.partition}`;
            if (!this.toCommit.has(key)) this.toCommit.set(key, o);
          }
          this.options.logger.warn('offset commit failed; retried with the next write', {
            error: error instanceof Error ? error.message : String(error),
          });
          return;
        }
      }
    } finally {
      this.committing = null;
    }
  }

  /** Starts the Alertmanager poster unless it is posting; one post at a time, the alerts waiting go together. */
  private notify(): void {
    if (this.notifying === null && (this.toNotify.length > 0 || this.resendDue))
      this.notifying = this.postAlerts();
  }

  private async postAlerts(): Promise<void> {
    try {
      while (this.toNotify.length > 0 || this.resendDue) {
        const changed = this.toNotify;
        const active = this.resendDue ? this.engine.activeAlerts() : [];
        this.toNotify = [];
        this.resendDue = false;
        // What could not be delivered stays with the notifier and goes with the next post.
        await this.options.notifier.deliver(changed, active, this.now());
      }
    } catch (error) {
      this.options.logger.error('alert notification failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      this.notifying = null;
    }
  }
}
