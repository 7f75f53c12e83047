import type { Alert } from '../../model/index.js';
import type { Counter, Logger } from '../../platform/index.js';
import type { AlertLinks } from './alert-links.js';
import { postAlerts, toPostableAlert } from './alertmanager-client.js';
import { errorMessage } from '../../model/index.js';

export interface AlertNotifierOptions {
  /** Empty: Alertmanager disabled (alerts still go to the alerts topic). */
  alertmanagerUrl: string;
  /** Active alerts are re-posted this often; each post says the alert ends 3 intervals later. */
  resendIntervalMs: number;
  logger: Logger;
  /** Counts each POST by `outcome` (ok, failed). */
  posts?: Counter;
  /** The console and runbook links of each alert; none by default. */
  links?: AlertLinks;
}

/**
 * Posts new and resolved alerts to Alertmanager and re-posts active ones with the same labels.
 * What could not be delivered is kept and retried on the next call, so that a down Alertmanager
 * delays notifications instead of losing them.
 */
export class AlertNotifier {
  private readonly lastPosted = new Map<string, number>();
  private pending: Alert[] = [];

  constructor(private readonly options: AlertNotifierOptions) {}

  /** Alerts whose post failed and that go with the next one. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** New, resolved and due-for-refire alerts in one POST; returns how many were delivered. */
  async deliver(changed: readonly Alert[], active: readonly Alert[], nowMs: number): Promise<number> {
    if (this.options.alertmanagerUrl === '') return 0;
    const batch = new Map<string, Alert>();
    for (const alert of [...this.pending, ...changed]) batch.set(alert.fingerprint, alert);
    for (const alert of active) {
      const last = this.lastPosted.get(alert.fingerprint) ?? 0;
      if (!batch.has(alert.fingerprint) && nowMs - last >= this.options.resendIntervalMs)
        batch.set(alert.fingerprint, alert);
    }
    if (batch.size === 0) return 0;
    const alerts = [...batch.values()];
    try {
      await postAlerts(
        this.options.alertmanagerUrl,
        alerts.map((a) => toPostableAlert(a, nowMs, 3 * this.options.resendIntervalMs, this.options.links)),
      );
    } catch (error) {
      this.options.posts?.inc({ outcome: 'failed' });
      this.pending = alerts.filter((a) => a.status === 'resolved' || changed.includes(a));
      this.options.logger.warn('alertmanager post failed; will retry', {
        alerts: alerts.length,
        error: errorMessage(error),
      });
      return 0;
    }
    this.options.posts?.inc({ outcome: 'ok' });
    this.pending = [];
    for (const alert of alerts) {
      if (alert.status === 'resolved') this.lastPosted.delete(alert.fingerprint);
      else this.lastPosted.set(alert.fingerprint, nowMs);
    }
    return alerts.length;
  }
}
