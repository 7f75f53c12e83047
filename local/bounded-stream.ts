import { PublishError, type EventPublisher, type PublishItem } from '../collector/index.js';

/**
 * The embedded mode's stand-in for Kafka: an in-process queue bounded by items and bytes, drained
 * by one consumer in arrival order (so every session's events stay in order). Each publish is
 * handed to `accept` synchronously as it enters the queue — in queue order, which is where the
 * detectors run — and later, in batches of whole publishes, to `consume` (the store). `publish`
 * resolves only after its batch was consumed: the collector's 200 means "stored", as with Kafka's
 * acknowledgement. A full queue makes `publish` wait up to `enqueueTimeoutMs`, then fail with a
 * PublishError, which the collector answers with 503 and Retry-After: never a silent drop.
 */
export interface BoundedStreamOptions<P> {
  maxItems: number;
  maxBytes: number;
  /** How long a publisher may wait for room before it is refused. */
  enqueueTimeoutMs: number;
  /** Most items handed to the consumer at once (a larger single publish goes alone). */
  maxBatch: number;
  /** Runs as a publish is enqueued, in queue order; what it returns travels with the items. */
  accept: (items: readonly PublishItem[]) => P;
  /** Handles a batch (what `accept` returned for each publish, in order); a throw fails them all. */
  consume: (batch: readonly P[]) => Promise<void>;
}

/**
 * A queued publish: its size and what `accept` made of it. The items themselves are not kept —
 * decoded events would otherwise live until their batch is stored, long enough to be promoted to
 * the old generation and collected by its far costlier GC.
 */
interface Entry<P> {
  count: number;
  accepted: P;
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class BoundedEventStream<P> implements EventPublisher {
  readonly destination = 'the local store';
  private readonly queue: Entry<P>[] = [];
  private head = 0;
  private queuedItems = 0;
  private queuedBytes = 0;
  private readonly roomWaiters: (() => void)[] = [];
  private draining = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: BoundedStreamOptions<P>) {}

  /** Items queued or being consumed. */
  get depth(): number {
    return this.queuedItems;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  ready(): boolean {
    return !this.closed;
  }

  async publish(items: readonly PublishItem[]): Promise<void> {
    if (this.closed) throw new PublishError('mcptap local is shutting down; retry later');
    if (items.length === 0) return;
    let bytes = 0;
    for (const item of items) bytes += item.bytes;
    if (items.length > this.options.maxItems || bytes > this.options.maxBytes) {
      throw new PublishError(
        `request of ${items.length} events / ${bytes} bytes exceeds the local queue bound ` +
          `(${this.options.maxItems} events / ${this.options.maxBytes} bytes); send smaller batches`,
      );
    }
    const deadline = Date.now() + this.options.enqueueTimeoutMs;
    // The room check, `accept` and the enqueue below run in one synchronous step, so two
    // publishers never both take the same room and `accept` sees publishes in queue order.
    while (!this.hasRoom(items.length, bytes)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closed) {
        throw new PublishError(
          `local event queue is full (${this.queuedItems} events, ${this.queuedBytes} bytes queued); retry later`,
        );
      }
      await this.roomOrTimeout(remaining);
    }
    if (this.closed) throw new PublishError('mcptap local is shutting down; retry later');
    let accepted: P;
    try {
      accepted = this.options.accept(items);
    } catch (error) {
      throw new PublishError(`local detectors could not take the events: ${String(error)}`, { cause: error });
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ count: items.length, accepted, bytes, resolve, reject });
      this.queuedItems += items.length;
      this.queuedBytes += bytes;
      void this.drain();
    });
  }

  /** Resolves when everything queued so far has been consumed. */
  async idle(): Promise<void> {
    if (this.queuedItems === 0 && !this.draining) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new publishes, then waits for the queued ones to be consumed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.roomWaiters.splice(0)) wake();
    await this.idle();
  }

  private hasRoom(count: number, bytes: number): boolean {
    return (
      this.queuedItems + count <= this.options.maxItems && this.queuedBytes + bytes <= this.options.maxBytes
    );
  }

  private roomOrTimeout(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.roomWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private takeBatch(): Entry<P>[] {
    const batch: Entry<P>[] = [];
    let count = 0;
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
      if (batch.length > 0 && count + entry.count > this.options.maxBatch) break;
      batch.push(entry);
      count += entry.count;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return batch;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.head < this.queue.length) {
        const batch = this.takeBatch();
        let failure: unknown;
        try {
          await this.options.consume(batch.map((entry) => entry.accepted));
        } catch (error) {
          failure = error ?? new Error('unknown failure');
        }
        for (const entry of batch) {
          this.queuedItems -= entry.count;
          this.queuedBytes -= entry.bytes;
          if (failure === undefined) entry.resolve();
          else
            entry.reject(
              new PublishError(`local store did not accept the events: ${String(failure)}`, {
                cause: failure,
              }),
            );
        }
        for (const wake of this.roomWaiters.splice(0)) wake();
      }
    } finally {
      this.draining = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}
