import type { SpanRecord } from '../otlp/index.js';

/**
 * Where the collector puts what it accepted: Kafka in the full stack (kafka-publisher.ts), an
 * in-process stream in the embedded mode. `publish` resolves only once every item is durable there;
 * the collector answers 200 only after that.
 */

/**
 * What the collector publishes: the records normalise-spans makes of the accepted spans, or (the
 * fast path, otlp-forward.ts) an OTLP request of one key's spans, for the OTLP topic.
 */
export type PublishItem =
  SpanRecord | { type: 'otlp'; tenant: string; key: string; value: Buffer; bytes: number };

export interface EventPublisher {
  /** What the events go to, for operators' messages: `Kafka`, `the local store`. */
  readonly destination: string;
  /** Resolves when every item is acknowledged; rejects with a PublishError when not all were. */
  publish(items: readonly PublishItem[]): Promise<void>;
  /** True when the sink was verified reachable recently (readiness). */
  ready(): boolean;
  /** Flushes what is in flight and releases connections. */
  close(): Promise<void>;
}

/** Publishing failed; the request that carried the items must be retried by its sender. */
export class PublishError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublishError';
  }
}
