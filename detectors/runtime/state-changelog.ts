import type { Consumer, Kafka, Message } from 'kafkajs';
import { whenConsumerGivesUp, type Logger } from '../../platform/index.js';
import type { MemoryStateStore, StoredState } from '../engine/state-store.js';

/**
 * Detector state in a compacted Kafka topic, used as a global table: every instance reads the
 * whole changelog (its own group id, never committed) into memory on start and keeps tailing it,
 * so state written by another instance — tenant-wide state, or a session whose partition moves here
 * in a rebalance — is present before it is needed. Writes carry the writer's instance id so that
 * an instance skips its own echoes.
 */

const INSTANCE_HEADER = 'mcptap-instance';

export interface StateChangelogOptions {
  kafka: Kafka;
  topic: string;
  instanceId: string;
  groupPrefix: string;
  store: MemoryStateStore;
  /** Rejects entries that no detector knows or that fail its schema (logged, skipped). */
  isValid: (key: string, value: StoredState) => boolean;
  logger: Logger;
  /** Told when a Kafka consumer stopped for good (kafkajs gave up on it): the service should exit. */
  onConsumerStopped?: (error: Error) => void;
}

export class StateChangelog {
  private consumer: Consumer | null = null;
  private readonly applied = new Map<number, bigint>();
  /** Serialised values (null: deleted) by key: not collected yet, and in the write in progress. */
  private unsent = new Map<string, string | null>();
  private collected = new Map<string, string | null>();
  private readonly headers: Message['headers'];

  constructor(private readonly options: StateChangelogOptions) {
    this.headers = { [INSTANCE_HEADER]: options.instanceId };
  }

  get topic(): string {
    return this.options.topic;
  }

  /** Reads the changelog to its current end, then keeps tailing it in the background. */
  async start(): Promise<void> {
    const { kafka, topic, instanceId, groupPrefix, store, logger } = this.options;
    this.consumer = kafka.consumer({ groupId: `${groupPrefix}-state-${instanceId}`, sessionTimeout: 30_000 });
    if (this.options.onConsumerStopped)
      whenConsumerGivesUp(this.consumer, logger, this.options.onConsumerStopped);
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      // One synchronous pass per batch: the changelog carries this instance's own writes too.
      eachBatch: async ({ batch }) => {
        const { partition } = batch;
        for (const message of batch.messages) {
          if (message.key === null) continue;
          if (message.headers?.[INSTANCE_HEADER]?.toString() === instanceId) continue;
          const key = message.key.toString();
          if (message.value === null) {
            store.restore(key, null);
            continue;
          }
          let value: StoredState;
          try {
            value = JSON.parse(message.value.toString()) as StoredState;
          } catch {
            logger.warn('skipping unreadable state record', { topic, partition, offset: message.offset });
            continue;
          }
          if (this.options.isValid(key, value)) store.restore(key, value);
          else
            logger.warn('skipping state record no detector accepts', {
              topic,
              partition,
              offset: message.offset,
            });
        }
        this.applied.set(partition, BigInt(batch.lastOffset()) + 1n);
      },
    });
    await this.catchUp();
    logger.info('detector state restored', { entries: store.size, topic });
  }

  /** Resolves once every record written to the changelog before the call has been applied. */
  async catchUp(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const ends = await this.endOffsets(deadline);
    for (;;) {
      const behind = ends.filter(({ partition, high, low }) => {
        if (high === low) return false;
        return (this.applied.get(partition) ?? 0n) < BigInt(high);
      });
      if (behind.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `detector state changelog ${this.options.topic} not caught up after ${timeoutMs} ms (${behind.length} partition(s) behind); is the broker healthy?`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * The changelog's end offsets. Right after the topic is created, or while leadership moves, the
   * broker answers "not the leader" for a moment: such retriable errors are retried until the deadline.
   */
  private async endOffsets(
    deadline: number,
  ): Promise<Array<{ partition: number; high: string; low: string }>> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2000)) {
        try {
          return await admin.fetchTopicOffsets(this.options.topic);
        } catch (error) {
          const retriable = (error as { retriable?: boolean }).retriable === true;
          if (!retriable || Date.now() + delayMs > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The changelog records of the next write: the store's changes since the last call, serialised
   * now (the engine changes its entries in place), after those of a failed write (`requeue`) that
   * no newer change of the same key replaces. Tombstones for deletions.
   */
  collect(): Message[] {
    const values = this.unsent;
    for (const [key, value] of this.options.store.drainChanges())
      values.set(key, value === null ? null : JSON.stringify(value));
    this.unsent = new Map();
    this.collected = values;
    const messages: Message[] = [];
    for (const [key, value] of values) messages.push({ key, value, headers: this.headers });
    return messages;
  }

  /** The last collected records were not written: they go with the next write. */
  requeue(): void {
    for (const [key, value] of this.collected) if (!this.unsent.has(key)) this.unsent.set(key, value);
    this.collected = new Map();
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer === null) return;
    await consumer.disconnect();
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteGroups([`${this.options.groupPrefix}-state-${this.options.instanceId}`]);
    } catch {
      // The group may still be settling; an idle group expires on its own.
    } finally {
      await admin.disconnect();
    }
  }
}
