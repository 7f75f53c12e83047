/**
 * Groups records into produce requests that each stay under a byte budget. Kafka refuses a record
 * batch over the topic's `max.message.bytes` (and all of one request's records may land in one
 * partition's batch), so a produce request is bounded by bytes, never by count alone.
 */

export interface Sized {
  bytes: number;
}

/** Per-record overhead counted on top of the value: key, headers, record framing. */
export const RECORD_OVERHEAD_BYTES = 256;

/**
 * How many of `records`, from `start` on, go into the next batch under `budgetBytes`. At least one:
 * a record over the budget on its own still goes, alone (record size is bounded upstream).
 */
export function nextBatchLength(records: readonly Sized[], start: number, budgetBytes: number): number {
  let bytes = 0;
  let end = start;
  while (end < records.length) {
    const size = records[end]!.bytes + RECORD_OVERHEAD_BYTES;
    if (end > start && bytes + size > budgetBytes) break;
    bytes += size;
    end++;
  }
  return end - start;
}
