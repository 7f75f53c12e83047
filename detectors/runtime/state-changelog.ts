import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { Logger } from '../../platform/index.js';
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
}

export class StateChangelog {
  private consumer: Consumer | null = null;
  private readonly applied = new Map<number, bigint>();

  constructor(private readonly options: StateChangelogOptions) {}

  /** Reads the changelog to its current end, then keeps tailing it in the background. */
  async start(): Promise<void> {
    const { kafka, topic, instanceId, groupPrefix, store, logger } = this.options;
    this.consumer = kafka.consumer({ groupId: `${groupPrefix}-state-${instanceId}`, sessionTimeout: 30_000 });
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

  /** Writes the store's pending changes (tombstones for deletions). */
  async flush(producer: Producer): Promise<number> {
    const changes = this.options.store.drainChanges();
    if (changes.length === 0) return 0;
    await producer.send({
      topic: this.options.topic,
      acks: -1,
      messages: changes.map(([key, value]) => ({
        key,
        value: value === null ? null : JSON.stringify(value),
        headers: { [INSTANCE_HEADER]: this.options.instanceId },
      })),
    });
    return changes.length;
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
