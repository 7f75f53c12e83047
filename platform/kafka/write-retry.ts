import type { Logger } from '../log.js';
import type { Counter } from '../metrics.js';
import { errorMessage } from '../../model/index.js';

/**
 * How the batch consumer retries a write that fails (ClickHouse, Alertmanager or Kafka down):
 * with bounded exponential backoff, consumption paused from the first failure until no write is
 * failing any more, so nothing is skipped and nothing piles up. A failure that retrying cannot cure
 * is handed back instead (a row ClickHouse refuses to read).
 */

export type Retried<R> = { done: R } | { refused: unknown };

export interface RetryOptions {
  /** Picks the errors that retrying cannot cure: they are returned, not retried. */
  refused?: (error: unknown) => boolean;
  /** Logged with each failure and with the success after one. */
  context?: Record<string, unknown>;
}

/** Thrown by `retry` when the consumer stops before the attempt succeeded. */
export class ConsumerStopping extends Error {
  constructor() {
    super('the consumer is stopping');
  }
}

export interface WriteRetryOptions {
  pause: () => void;
  /** Called once no write is failing any more. */
  resume: () => void;
  stopping: () => boolean;
  retryMaxMs: number;
  logger: Logger;
  /** Each failed attempt, by `target`. */
  failures: Counter;
}

const INITIAL_RETRY_MS = 200;
/** Stopping is noticed within this long while a backoff is waited out. */
const STOP_CHECK_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function firstLine(error: unknown): string {
  return errorMessage(error).split('\n')[0]!.slice(0, 300);
}

export class WriteRetry {
  /** Writes whose last attempt failed: consumption resumes when none is left. */
  private failing = 0;

  constructor(private readonly options: WriteRetryOptions) {}

  /** Runs `attempt` until it succeeds (or fails in a way `refused` picks); throws ConsumerStopping. */
  async retry<R>(
    what: string,
    target: string,
    attempt: () => Promise<R>,
    { refused = () => false, context = {} }: RetryOptions = {},
  ): Promise<Retried<R>> {
    const { logger, stopping } = this.options;
    let delay = INITIAL_RETRY_MS;
    let failing = false;
    try {
      for (let attempts = 1; ; attempts++) {
        try {
          const done = await attempt();
          if (attempts > 1) logger.info(`${what} succeeded again`, { ...context, attempts });
          return { done };
        } catch (error) {
          if (error instanceof ConsumerStopping) throw error;
          if (refused(error)) return { refused: error };
          this.options.failures.inc({ target });
          if (!failing) this.failing++;
          failing = true;
          this.options.pause();
          logger.warn(`${what} failed; consumption paused, retrying`, {
            ...context,
            attempt: attempts,
            retry_in_ms: delay,
            error: firstLine(error),
          });
        }
        for (let waited = 0; waited < delay; waited += STOP_CHECK_MS) {
          if (stopping()) throw new ConsumerStopping();
          await sleep(Math.min(STOP_CHECK_MS, delay - waited));
        }
        if (stopping()) throw new ConsumerStopping();
        delay = Math.min(delay * 2, this.options.retryMaxMs);
      }
    } finally {
      if (failing && --this.failing === 0) {
        this.options.resume();
        if (!stopping()) logger.info('writes succeed again; consumption resumed');
      }
    }
  }
}
