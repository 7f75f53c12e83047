/**
 * When the batch consumer (batch-consumer.ts) hands its handler a batch of what is queued. For the
 * sink every insert costs ClickHouse CPU on top of its rows (about 20 ms for a one-row insert into
 * tool_calls on 18.16), and later the merging of its part, so batches are made as large as the flow
 * allows:
 * - a full batch (`batchRows`) goes as soon as an insert slot is free;
 * - while an insert runs and more rows are known to be waiting in Kafka, a partial batch waits for
 *   them;
 * - while the sink keeps up with the topics, a row waits up to `batchWaitMs` for a fuller batch;
 * - rows of a partition that was behind the end of its log when fetched do not wait: a backlog is
 *   being caught up on, its batches are sized by the fetches, not by traffic, and at its end the
 *   wait would hold the last rows for rows that are not coming.
 * A handler for which batching buys nothing (the detectors, whose alerts must not wait) sets
 * `batchWaitMs` to 0: whatever is queued goes as soon as a write slot is free.
 */

export interface QueuedBatchPart {
  rows: readonly unknown[];
  /** performance.now() when it was queued. */
  queuedAt: number;
  /** Fetched while its partition was behind the end of its log. */
  behind: boolean;
}

export interface BatchLimits {
  batchRows: number;
  batchWaitMs: number;
  insertsInFlight: number;
}

export interface WriterState {
  insertsRunning: number;
  /** Every partition's last fetch reached the end of its log: no more rows are known to be waiting. */
  caughtUp: boolean;
}

/**
 * Milliseconds until the writer takes a batch: 0 for now; Infinity while it waits for more rows
 * or for a running insert to end.
 */
export function batchDueInMs(
  queue: readonly QueuedBatchPart[],
  now: number,
  limits: BatchLimits,
  { insertsRunning, caughtUp }: WriterState,
): number {
  if (queue.length === 0 || insertsRunning >= limits.insertsInFlight) return Infinity;
  if (limits.batchWaitMs === 0) return 0;
  let rows = 0;
  let behind = false;
  for (const part of queue) {
    rows += part.rows.length;
    behind ||= part.behind;
  }
  if (rows >= limits.batchRows) return 0;
  if (insertsRunning > 0 && !caughtUp) return Infinity;
  if (behind) return 0;
  return Math.max(0, queue[0]!.queuedAt + limits.batchWaitMs - now);
}
