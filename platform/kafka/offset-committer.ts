import type { Consumer } from 'kafkajs';
import type { Logger } from '../log.js';
import { errorMessage } from '../../model/index.js';

/**
 * Commits the offsets of written batches, one commit request at a time, with whatever was written
 * meanwhile (many small batches, one request). Offsets must be handed over in the order their
 * batches were taken (commits-in-order.ts), so a partition's later offset always replaces an
 * earlier one. Offsets fetched in an earlier group generation are not committed: the partition
 * may belong to another member now, which redelivers from the group's last commit.
 */

export interface WrittenOffset {
  topic: string;
  partition: number;
  /** The offset after the last written record. */
  offset: string;
  generation: number;
}

export class OffsetCommitter {
  /** By `topic\0partition`. */
  private readonly waiting = new Map<string, WrittenOffset>();
  private committing: Promise<void> | null = null;

  constructor(
    private readonly consumer: Pick<Consumer, 'commitOffsets'>,
    private readonly generation: () => number,
    private readonly logger: Logger,
  ) {}

  add(offsets: readonly WrittenOffset[]): void {
    for (const offset of offsets) this.waiting.set(`${offset.topic}\0${offset.partition}`, offset);
    this.committing ??= this.commitWaiting();
  }

  /** Settles once everything added so far was committed (or its commit failed). */
  async idle(): Promise<void> {
    await this.committing;
  }

  private async commitWaiting(): Promise<void> {
    try {
      while (this.waiting.size > 0) {
        const current = this.generation();
        const offsets = [...this.waiting.values()]
          .filter((written) => written.generation === current)
          .map(({ topic, partition, offset }) => ({ topic, partition, offset }));
        this.waiting.clear();
        try {
          if (offsets.length > 0) await this.consumer.commitOffsets(offsets);
        } catch (error) {
          // The batches are written: a lost commit only means they are delivered again.
          this.logger.warn('committing offsets failed; the written records will be redelivered', {
            error: errorMessage(error).split('\n')[0],
          });
        }
      }
    } finally {
      this.committing = null;
    }
  }
}
