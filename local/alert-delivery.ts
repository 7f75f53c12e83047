import type { Alert } from '../model/index.js';

/**
 * Sends alerts on, off the event path: Alertmanager (the detectors' AlertNotifier, the same code as
 * in the full stack) and JSON webhooks (the detectors' AlertWebhook: mcptap's alerts, or OCSF). Deliveries run one at a time in the background;
 * a sink keeps what it could not deliver and retries it on the next round.
 */

export interface AlertSink {
  /** New and resolved alerts, plus every active one (for periodic re-posting); returns delivered count. */
  deliver(changed: readonly Alert[], active: readonly Alert[], nowMs: number): Promise<number>;
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
