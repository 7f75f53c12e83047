/**
 * An idempotent producer's next sequence number per partition. A batch takes its base sequence with
 * `next` when it is encoded and the partition advances only once the brokers acknowledged it, so a
 * retried batch keeps its sequence and the broker recognises it when it had already appended it.
 */
export class ProducerSequences {
  /** By `partitionKey(topic, partition)`. */
  private readonly nextByPartition = new Map<string, number>();

  next(partition: string): number {
    return this.nextByPartition.get(partition) ?? 0;
  }

  /** Kafka's sequence numbers wrap to 0 after 2^31 - 1. */
  acknowledged(partition: string, records: number): void {
    this.nextByPartition.set(partition, (this.next(partition) + records) % 2 ** 31);
  }
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
