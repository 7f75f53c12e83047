import type { McpEvent } from '../model/index.js';

/**
 * Where the collector puts what it accepted: Kafka in the full stack (kafka-publisher.ts), an
 * in-process stream in the embedded mode. `publish` resolves only once every item is durable there;
 * the collector answers 200 only after that.
 */

/**
 * One record: an event or a span that is not mcptap's, already serialised as JSON (`bytes` is the
 * UTF-8 size of `value`, counted against the record and request byte budgets).
 */
export type PublishItem =
  | { type: 'event'; event: McpEvent; value: string; bytes: number }
  | { type: 'raw_span'; tenant: string; key: string; value: string; bytes: number };

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
