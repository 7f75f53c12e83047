import type { Alert } from '../../model/index.js';
import type { Logger } from '../../platform/index.js';
import { toOcsfDetectionFinding } from './ocsf-finding.js';
import { errorMessage } from '../../model/index.js';

/**
 * POSTs new and resolved alerts to a URL as JSON, in one of two bodies: `mcptap`, the alerts as in
 * the model (`{"source":"mcptap","alerts":[…]}`), or `ocsf`, a JSON array of OCSF Detection
 * Findings (see ocsf-finding.ts) for a SIEM's HTTP collector. Secrets are already masked in every
 * alert. What could not be delivered is kept (the most recent 1,000) and sent with the next call.
 */

export type AlertWebhookFormat = 'mcptap' | 'ocsf';

const MAX_PENDING = 1000;

function body(format: AlertWebhookFormat, alerts: readonly Alert[]): string {
  return format === 'ocsf'
    ? JSON.stringify(alerts.map(toOcsfDetectionFinding))
    : JSON.stringify({ source: 'mcptap', alerts });
}

export class AlertWebhook {
  private pending: Alert[] = [];

  constructor(
    private readonly url: string,
    private readonly format: AlertWebhookFormat,
    private readonly logger: Logger,
    private readonly timeoutMs = 5000,
  ) {}

  /** Alerts that failed to go and wait for the next call. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Sends `changed` and whatever is pending; returns how many alerts were delivered. */
  async deliver(changed: readonly Alert[]): Promise<number> {
    const alerts = [...this.pending, ...changed];
    if (alerts.length === 0) return 0;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(this.format, alerts),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`answered ${response.status}`);
    } catch (error) {
      this.pending = alerts.slice(-MAX_PENDING);
      this.logger.warn('alert webhook failed; will retry', {
        format: this.format,
        alerts: alerts.length,
        error: errorMessage(error),
      });
      return 0;
    }
    this.pending = [];
    return alerts.length;
  }
}
