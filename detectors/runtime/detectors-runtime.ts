import { randomUUID } from 'node:crypto';
import { Partitioners, type Consumer, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import { EventValidationError, parseEvent, type Alert, type TopicNames } from '../../model/index.js';
import { ensureTopics, type Logger } from '../../platform/index.js';
import type { AlertNotifier } from '../alerting/alert-notifier.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { createDetectorEngine } from '../engine/create-engine.js';
import type { DetectorEngine } from '../engine/detector-engine.js';
import { MemoryStateStore } from '../engine/state-store.js';
import { StateChangelog } from './state-changelog.js';

/**
 * `mcptap detectors` on Kafka: one consumer group over the events and catalog topics, the engine
 * per record, then — before a batch's offsets are committed — alerts to the alerts topic (keyed by
 * fingerprint) and state changes to the compacted changelog. The partitions of one fetch are
 * processed concurrently and share one write (group commit): a batch waits for the next write,
 * which takes everything processed until it starts. Alertmanager is posted to after the alerts
 * topic, by one poster at a time that the consumer does not wait for (a down Alertmanager delays
 * notifications, not detection; undelivered alerts are retried). At-least-once: a redelivered
 * record is recognised by its event id (engine), an alert already active is not raised again
 * (state), so a restart or rebalance neither forgets nor re-notifies.
 */

export interface DetectorsRuntimeOptions {
  kafka: Kafka;
  topics: TopicNames;
  groupId: string;
  rules: DetectorRules;
  notifier: AlertNotifier;
  logger: Logger;
  /** Partitions for topics this service creates when missing. */
  partitions: number;
  tickIntervalMs: number;
  /** Called with every alert produced (tests, embedded mode, the terminal printer). */
  onAlert?: (alert: Alert) => void;
  instanceId?: string;
  /** Clock for resolution and re-posting (tests). */
  now?: () => number;
}

/** At most this many partitions' batches are processed at once (they share one write). */
const CONCURRENT_PARTITIONS = 64;

export class DetectorsRuntime {
  readonly engine: DetectorEngine;
  private readonly store = new MemoryStateStore();
  private readonly changelog: StateChangelog;
  private readonly instanceId: string;
  private producer: Producer | null = null;
  private consumer: Consumer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private rejoined = true;
  /** Resolves once the changelog written before the last rebalance is applied. */
  private caughtUp: Promise<void> = Promise.resolve();
  /** Alerts and dead letters processed but not written yet. */
  private alerts: Alert[] = [];
  private deadLetters: Array<{ topic: string; partition: number; offset: string; reason: string }> = [];
  /** The write in progress, and the one that batches processed meanwhile wait for. */
  private writing: Promise<void> = Promise.resolve();
  private nextWrite: Promise<void> | null = null;
  /** Alerts waiting for the Alertmanager poster, and whether active alerts are due for re-posting. */
  private toNotify: Alert[] = [];
  private resendDue = false;
  private notifying: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: DetectorsRuntimeOptions) {
    // Unique per process, also across restarts: the changelog skips only this process's own echoes.
    this.instanceId = `${options.instanceId ?? 'detectors'}-${randomUUID().slice(0, 8)}`;
    this.engine = createDetectorEngine(options.rules, this.store);
    this.now = options.now ?? Date.now;
    this.changelog = new StateChangelog({
      kafka: options.kafka,
      topic: options.topics.detectorState,
      instanceId: this.instanceId,
      groupPrefix: options.groupId,
      store: this.store,
      isValid: (key, value) => this.engine.isValidState(key, value),
      logger: options.logger,
    });
  }

  setRules(rules: DetectorRules): void {
    this.engine.setRules(rules);
  }

  async start(): Promise<void> {
    const { kafka, topics, partitions, logger } = this.options;
    await ensureTopics(kafka, [
      { topic: topics.events, partitions },
      { topic: topics.catalog, partitions },
      { topic: topics.alerts, partitions },
      { topic: topics.deadLetter, partitions: 1 },
      { topic: topics.detectorState, partitions, compacted: true },
    ]);
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
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.rejoined = true;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topics.events, topics.catalog], fromBeginning: true });
    // Offsets are resolved only after a batch's effects are written; kafkajs commits resolved offsets.
    await this.consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: CONCURRENT_PARTITIONS,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
        isStale,
      }) => {
        if (this.rejoined) {
          // Partitions may have moved here: apply what their previous owner wrote first.
          this.rejoined = false;
          this.caughtUp = this.changelog.catchUp().catch((error: unknown) => {
            this.rejoined = true;
            throw error;
          });
        }
        await this.caughtUp;
        let last: string | null = null;
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          this.processRecord(batch.topic, batch.partition, message.offset, message.value);
          last = message.offset;
        }
        if (last !== null) {
          await this.write();
          resolveOffset(last);
          await commitOffsetsIfNecessary();
        }
        await heartbeat();
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
    await this.consumer?.disconnect();
    await this.writing;
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
      const reason = error instanceof EventValidationError ? error.message : 'not JSON';
      this.deadLetters.push({ topic, partition, offset, reason });
      return;
    }
    for (const alert of this.engine.process(event)) this.alerts.push(alert);
  }

  private async tick(): Promise<void> {
    for (const alert of this.engine.tick(this.now())) this.alerts.push(alert);
    this.resendDue = true;
    await this.write();
  }

  /**
   * Resolves once everything processed before the call is written: joins the next write, which
   * starts when the current one ends.
   */
  private write(): Promise<void> {
    if (this.nextWrite === null) {
      const run = () => {
        this.nextWrite = null;
        return this.publish();
      };
      const next = this.writing.then(run, run);
      this.nextWrite = next;
      this.writing = next.catch(() => undefined);
    }
    return this.nextWrite;
  }

  /** Alerts and dead letters to their topics, then state: before the batches' offsets are committed. */
  private async publish(): Promise<void> {
    const producer = this.producer;
    if (producer === null) throw new Error('detectors runtime is not started');
    const alerts = this.alerts;
    const letters = this.deadLetters;
    this.alerts = [];
    this.deadLetters = [];
    const topicMessages: TopicMessages[] = [];
    if (alerts.length > 0) {
      topicMessages.push({
        topic: this.options.topics.alerts,
        messages: alerts.map((alert) => ({ key: alert.fingerprint, value: JSON.stringify(alert) })),
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
    if (topicMessages.length > 0) {
      try {
        await producer.sendBatch({ acks: -1, topicMessages });
      } catch (error) {
        // Kept for the next write: the engine will not raise them again for redelivered events.
        this.alerts = [...alerts, ...this.alerts];
        this.deadLetters = [...letters, ...this.deadLetters];
        throw error;
      }
      for (const alert of alerts) this.options.onAlert?.(alert);
      if (letters.length > 0)
        this.options.logger.warn('records not understood, sent to dead letter', { count: letters.length });
    }
    this.notify(alerts);
    await this.changelog.flush(producer);
  }

  /** Hands alerts to the Alertmanager poster; one post at a time, the ones waiting go together. */
  private notify(alerts: readonly Alert[]): void {
    for (const alert of alerts) this.toNotify.push(alert);
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
