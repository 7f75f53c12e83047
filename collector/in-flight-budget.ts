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
