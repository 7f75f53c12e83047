import { randomUUID } from 'node:crypto';
import { Partitioners, type Consumer, type Kafka, type Producer } from 'kafkajs';
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
 * per record, then — per batch, before committing offsets — alerts to the alerts topic (keyed by
 * fingerprint), Alertmanager, and state changes to the compacted changelog. At-least-once: a
 * redelivered record is recognised by its event id (engine), an alert already active is not raised
 * again (state), so a restart or rebalance neither forgets nor re-notifies.
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

export class DetectorsRuntime {
  readonly engine: DetectorEngine;
  private readonly store = new MemoryStateStore();
  private readonly changelog: StateChangelog;
  private readonly instanceId: string;
  private producer: Producer | null = null;
  private consumer: Consumer | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Serialises batches and ticks: both touch the engine and flush state. */
  private queue: Promise<unknown> = Promise.resolve();
  private rejoined = true;
  private deadLetters: Array<{ topic: string; partition: number; offset: string; reason: string }> = [];
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
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
        isStale,
      }) => {
        await this.serial(async () => {
          if (this.rejoined) {
            // Partitions may have moved here: apply what their previous owner wrote first.
            await this.changelog.catchUp();
            this.rejoined = false;
          }
          const alerts: Alert[] = [];
          let last: string | null = null;
          for (const message of batch.messages) {
            if (!isRunning() || isStale()) break;
            alerts.push(...this.processRecord(batch.topic, batch.partition, message.offset, message.value));
            last = message.offset;
          }
          await this.publish(alerts);
          if (last !== null) {
            resolveOffset(last);
            await commitOffsetsIfNecessary();
          }
          await heartbeat();
        });
      },
    });
    this.timer = setInterval(() => {
      this.serial(() => this.tick()).catch((error: unknown) =>
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
    await this.queue.catch(() => undefined);
    await this.changelog.stop();
    await this.producer?.disconnect();
    this.consumer = null;
    this.producer = null;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private processRecord(topic: string, partition: number, offset: string, value: Buffer | null): Alert[] {
    if (value === null) return [];
    let event;
    try {
      event = parseEvent(JSON.parse(value.toString('utf8')));
    } catch (error) {
      const reason = error instanceof EventValidationError ? error.message : 'not JSON';
      this.deadLetters.push({ topic, partition, offset, reason });
      return [];
    }
    return this.engine.process(event);
  }

  private async tick(): Promise<void> {
    const resolved = this.engine.tick(this.now());
    await this.publish(resolved);
  }

  /** Alerts to the topic and Alertmanager, dead letters, then state: all before offsets are committed. */
  private async publish(alerts: readonly Alert[]): Promise<void> {
    const producer = this.producer;
    if (producer === null) throw new Error('detectors runtime is not started');
    if (alerts.length > 0) {
      await producer.send({
        topic: this.options.topics.alerts,
        acks: -1,
        messages: alerts.map((alert) => ({ key: alert.fingerprint, value: JSON.stringify(alert) })),
      });
      for (const alert of alerts) this.options.onAlert?.(alert);
    }
    if (this.deadLetters.length > 0) {
      const letters = this.deadLetters;
      this.deadLetters = [];
      // Coordinates and reason only: the payload may carry secrets and stays in its topic.
      await producer.send({
        topic: this.options.topics.deadLetter,
        messages: letters.map((l) => ({
          key: `${l.topic}/${l.partition}/${l.offset}`,
          value: JSON.stringify({ ...l, consumer: 'detectors' }),
        })),
      });
      this.options.logger.warn('records not understood, sent to dead letter', { count: letters.length });
    }
    await this.options.notifier.deliver(alerts, this.engine.activeAlerts(), this.now());
    await this.changelog.flush(producer);
  }
}
