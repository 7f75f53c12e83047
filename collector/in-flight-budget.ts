/**
 * Bounds the work the collector holds at once: requests being read, decoded or awaiting Kafka, and
 * the bytes they keep in memory. Beyond either bound a request is refused (503 + Retry-After), so
 * memory stays bounded under any overload.
 */
export class InFlightBudget {
  private requestCount = 0;
  private byteCount = 0;

  constructor(
    readonly maxRequests: number,
    readonly maxBytes: number,
  ) {}

  get requests(): number {
    return this.requestCount;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Admits a request; false when `maxRequests` are already in flight. */
  enter(): boolean {
    if (this.requestCount >= this.maxRequests) return false;
    this.requestCount++;
    return true;
  }

  leave(): void {
    this.requestCount--;
  }

  /** Reserves bytes; false (nothing reserved) when that would exceed `maxBytes`. */
  reserve(bytes: number): boolean {
    if (this.byteCount + bytes > this.maxBytes) return false;
    this.byteCount += bytes;
    return true;
  }

  release(bytes: number): void {
    this.byteCount -= bytes;
  }
}

/**
 * One admitted request's share of the budget: the bytes it reserved and the publish it must wait
 * for before they are free again (records stay queued in memory until the publisher settles, even
 * after the sender was answered on a timeout).
 */
export class Admission {
  private held = 0;
  private pending: Promise<unknown> | undefined;

  constructor(private readonly budget: InFlightBudget) {}

  /** Reserves bytes for this request; false when the budget has no room (refuse with 503). */
  reserve(bytes: number): boolean {
    if (!this.budget.reserve(bytes)) return false;
    this.held += bytes;
    return true;
  }

  /** Keeps the reservation until `settled` settles. */
  holdUntil(settled: Promise<unknown>): void {
    this.pending = settled;
  }

  /** Frees the request's bytes and slot once what it holds has settled. */
  async release(): Promise<void> {
    await this.pending?.catch(() => undefined);
    this.budget.release(this.held);
    this.held = 0;
    this.budget.leave();
  }
}

/** Admits a request into `budget`; undefined when it is at its concurrent request limit. */
export function admit(budget: InFlightBudget): Admission | undefined {
  return budget.enter() ? new Admission(budget) : undefined;
}
