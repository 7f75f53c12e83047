import type { Alert } from '../../model/index.js';
import type { Logger } from '../../platform/index.js';
import { errorMessage } from '../../model/index.js';

/**
 * Sends alerts on, off the detection path, in the Kafka detectors and in `mcptap local` alike: to
 * Alertmanager (AlertNotifier) and to JSON webhooks (AlertWebhook: mcptap's alerts, or OCSF). One
 * round at a time in the background; alerts raised meanwhile go together with the next. A target
 * keeps what it could not deliver and sends it with its next round; while any target holds
 * undelivered alerts, a round is retried every `retryMs` even when nothing new is raised, so a
 * down Alertmanager delays notifications, never detection, and loses none.
 */

export interface AlertTarget {
  /** New and resolved alerts, plus the active ones when due for re-posting; returns how many went. */
  deliver(changed: readonly Alert[], active: readonly Alert[], nowMs: number): Promise<number>;
  /** Alerts that failed to go and wait for the next round. */
  readonly pendingCount: number;
}

export interface AlertPosterOptions {
  /** The alerts firing now, for periodic re-posting (`resend`). */
  activeAlerts: () => readonly Alert[];
  logger: Logger;
  /** Clock for re-posting (tests). */
  now?: () => number;
  /** How soon undelivered alerts are tried again when nothing else is raised. */
  retryMs?: number;
}

const DEFAULT_RETRY_MS = 10_000;

export class AlertPoster {
  private queued: Alert[] = [];
  private resendDue = false;
  private retryDue = false;
  private scheduled = false;
  private posting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly targets: readonly AlertTarget[],
    private readonly options: AlertPosterOptions,
  ) {}

  get enabled(): boolean {
    return this.targets.length > 0;
  }

  /** Queues new and resolved alerts; the round that takes them starts once the current pass ends. */
  post(alerts: readonly Alert[]): void {
    if (!this.enabled || alerts.length === 0) return;
    for (const alert of alerts) this.queued.push(alert);
    this.schedule();
  }

  /** The next round also re-posts the active alerts whose re-posting is due. */
  resend(): void {
    if (!this.enabled) return;
    this.resendDue = true;
    this.schedule();
  }

  /** Delivers what is queued or undelivered now; resolves once that round is over. */
  async flush(): Promise<void> {
    await this.posting;
    this.retryDue = this.undelivered();
    await this.run();
  }

  stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private undelivered(): boolean {
    return this.targets.some((target) => target.pendingCount > 0);
  }

  /** Alerts raised in one synchronous pass (a batch, a request) go in one round. */
  private schedule(): void {
    if (this.scheduled || this.posting !== null) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private due(): boolean {
    return this.queued.length > 0 || this.resendDue || this.retryDue;
  }

  private run(): Promise<void> {
    // Never a round with nothing to do: it would end before `posting` is set and leave it set.
    if (this.posting === null && !this.due()) return Promise.resolve();
    this.posting ??= this.rounds();
    return this.posting;
  }

  private async rounds(): Promise<void> {
    try {
      while (this.due()) {
        const changed = this.queued;
        const active = this.resendDue ? this.options.activeAlerts() : [];
        this.queued = [];
        this.resendDue = false;
        this.retryDue = false;
        const now = (this.options.now ?? Date.now)();
        await Promise.all(this.targets.map((target) => target.deliver(changed, active, now)));
      }
    } catch (error) {
      this.options.logger.error('alert notification failed', {
        error: errorMessage(error),
      });
    } finally {
      this.posting = null;
      if (this.undelivered() && this.retryTimer === null) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.retryDue = true;
          void this.run();
        }, this.options.retryMs ?? DEFAULT_RETRY_MS);
        this.retryTimer.unref();
      }
    }
  }
}
