/**
 * Per-key token buckets in spans per second. A request takes as many tokens as it has spans; when
 * the bucket cannot cover it, nothing is taken and the caller learns how long to wait. Buckets of
 * keys that stay idle are refilled lazily, so an idle key costs one small object.
 */

export interface RateLimit {
  /** Sustained spans per second; 0 disables the limit. */
  spansPerSecond: number;
  /** Bucket size: the largest burst. */
  burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class SpanRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, spans: number): TakeResult {
    const { spansPerSecond, burst } = this.limit;
    if (spansPerSecond <= 0) return { ok: true };
    const nowMs = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: burst, updatedMs: nowMs };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * spansPerSecond);
      bucket.updatedMs = nowMs;
    }
    // A request larger than the bucket passes when the bucket is full and leaves it in debt, so a
    // large batch is slowed down, never refused forever.
    const needed = Math.min(spans, burst);
    if (bucket.tokens >= needed) {
      bucket.tokens -= spans;
      return { ok: true };
    }
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil((needed - bucket.tokens) / spansPerSecond)),
    };
  }

  /** True when the key's bucket is empty: a request can be refused before its body is read. */
  exhausted(key: string): boolean {
    if (this.limit.spansPerSecond <= 0) return false;
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return false;
    const tokens = bucket.tokens + ((this.now() - bucket.updatedMs) / 1000) * this.limit.spansPerSecond;
    return tokens < 1;
  }
}
