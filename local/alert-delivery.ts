import type { Alert } from '../model/index.js';
import type { Logger } from '../platform/index.js';

/**
 * Sends alerts on, off the event path: Alertmanager (the detectors' AlertNotifier, the same code as
 * in the full stack) and a plain JSON webhook. Deliveries run one at a time in the background;
 * a sink keeps what it could not deliver and retries it on the next round.
 */

export interface AlertSink {
  /** New and resolved alerts, plus every active one (for periodic re-posting); returns delivered count. */
  deliver(changed: readonly Alert[], active: readonly Alert[], nowMs: number): Promise<number>;
}

/** POSTs `{"source":"mcptap","alerts":[…]}` (alerts as in the model, secrets masked) to a URL. */
export class WebhookSink implements AlertSink {
  private pending: Alert[] = [];

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly timeoutMs = 5000,
  ) {}

  async deliver(changed: readonly Alert[]): Promise<number> {
    const alerts = [...this.pending, ...changed];
    if (alerts.length === 0) return 0;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'mcptap', alerts }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`answered ${response.status}`);
    } catch (error) {
      this.pending = alerts.slice(-1000);
      this.logger.warn('alert webhook failed; will retry', {
        alerts: alerts.length,
        error: error instanceof Error ? error.message : String(error),
      });
      return 0;
    }
    this.pending = [];
    return alerts.length;
  }
}

export class AlertDelivery {
  private queued: Alert[] = [];
  private running: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(
    private readonly sinks: readonly AlertSink[],
    private readonly activeAlerts: () => Alert[],
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.sinks.length > 0;
  }

  push(alert: Alert): void {
    if (!this.enabled) return;
    this.queued.push(alert);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.round();
    });
  }

  /** One delivery round now (also re-posts active alerts that are due). */
  round(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const run = async () => {
      const changed = this.queued;
      this.queued = [];
      const active = this.activeAlerts();
      const now = this.now();
      await Promise.all(this.sinks.map((sink) => sink.deliver(changed, active, now)));
    };
    this.running = this.running.then(run, run);
    return this.running;
  }
}
