import type { Logger } from '../platform/index.js';
import type { RowSealer, Row, Store, StoreTable } from '../storage/index.js';
import { signCheckpoint, type SigningKey } from './checkpoint.js';
import type { CheckpointOutlet } from './checkpoint-outlets.js';
import { sealedMember, type SealedMember } from './leaf.js';
import { SegmentChains, type Segment, type SegmentLimits } from './segment-chain.js';
import { chainHeads, checkpointOfRow, insertSegments, segmentRow, type SegmentRow } from './segment-store.js';
import { errorMessage } from '../model/index.js';

/**
 * The I/O around SegmentChains: told which rows were stored, it closes segments (by count, or by
 * age on a timer), signs their checkpoints, inserts them into `audit_segments` (one insert for all
 * segments closed together) and copies the checkpoints to the outlets. Segments that could not be
 * written stay queued, in order, and are written on the next flush.
 */

export interface SealerOptions {
  store: Store;
  key: SigningKey;
  writer: string;
  limits: SegmentLimits;
  outlets: readonly CheckpointOutlet[];
  logger: Logger;
  now?: () => number;
}

export class AuditSealer implements RowSealer<SealedMember> {
  private readonly pending: SegmentRow[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  private constructor(
    private readonly options: SealerOptions,
    private readonly chains: SegmentChains,
  ) {
    this.now = options.now ?? Date.now;
    const tick = Math.max(250, Math.min(options.limits.maxAgeMs / 2, 5000));
    this.timer = setInterval(() => this.seal(this.chains.due(this.now())), tick);
    this.timer.unref();
  }

  /** Continues the writer's chains where the table says they end. */
  static async open(options: SealerOptions): Promise<AuditSealer> {
    const heads = await chainHeads(options.store, options.writer);
    return new AuditSealer(options, new SegmentChains(options.writer, options.limits, heads));
  }

  /** A row's member and leaf, as it is built (before the insert). */
  rowBuilt(table: StoreTable, row: Row): SealedMember {
    return sealedMember(table, row);
  }

  /** Rows the store acknowledged, in the order they were stored. */
  rowsStored(members: readonly SealedMember[]): void {
    if (members.length > 0) this.seal(this.chains.add(members, this.now()));
  }

  /** Seals what is open and waits until every segment is written. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.seal(this.chains.due(this.now(), true));
    await this.flushing;
    if (this.pending.length > 0) {
      this.options.logger.error('audit segments could not be written before stopping', {
        segments: this.pending.length,
      });
    }
    for (const outlet of this.options.outlets) await outlet.close?.();
  }

  private seal(segments: readonly Segment[]): void {
    if (segments.length === 0 && this.pending.length === 0) return;
    const sealedAt = this.now();
    for (const segment of segments) {
      this.pending.push(segmentRow(segment, signCheckpoint(segment, this.options.key, sealedAt)));
    }
    this.flushing = this.flushing.then(() => this.write());
  }

  private async write(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending.slice();
    try {
      await insertSegments(this.options.store, rows);
      for (const outlet of this.options.outlets) await outlet.append(rows.map(checkpointOfRow));
      this.pending.splice(0, rows.length);
    } catch (error) {
      // Re-inserting a segment is harmless (the table collapses on (tenant, writer, seq)).
      this.options.logger.warn('writing audit segments failed; retried with the next ones', {
        segments: rows.length,
        error: errorMessage(error).split('\n')[0],
      });
    }
  }
}
