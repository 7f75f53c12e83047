export interface DeferredQueueOptions<T> {
  /** Items held at most; an item that finds the queue full is dropped. */
  capacity: number;
  /** Handles one item, in the order pushed. Must not throw. */
  process: (item: T) => void;
  /** Told of each dropped item (to count it). */
  onDrop: () => void;
}

/**
 * Work handed over on a hot path and done later: `push` only stores the item, and the items are
 * processed in order, in one batch per turn of the event loop (setImmediate) or at once on `drain`.
 * Bounded: what does not fit is dropped and reported, never waited for.
 */
export class DeferredQueue<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly options: DeferredQueueOptions<T>) {}

  /** Items waiting to be processed. */
  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.items.length >= this.options.capacity) {
      this.options.onDrop();
      return;
    }
    this.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainScheduled);
    }
  }

  /** Processes everything waiting now, including what processing pushes. */
  drain(): void {
    while (this.items.length > 0) {
      const batch = this.items;
      this.items = [];
      for (const item of batch) this.options.process(item);
    }
  }

  private readonly drainScheduled = (): void => {
    this.scheduled = false;
    this.drain();
  };
}
