import type { Alert } from '../../model/index.js';

/**
 * Alertmanager's v2 API: POST /api/v2/alerts. Labels route and group (alertname = rule, severity,
 * tenant, fingerprint, server, tool, session); annotations carry the masked summary and runbook.
 * A firing alert is posted with endsAt in the future and re-posted while active; a resolved one
 * with endsAt = now.
 */

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

export class AlertmanagerError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = 'AlertmanagerError';
  }
}

export function toPostableAlert(alert: Alert, nowMs: number, firingTtlMs: number): PostableAlert {
  const labels: Record<string, string> = {
    alertname: alert.rule,
    severity: alert.severity,
    tenant: alert.tenant,
    fingerprint: alert.fingerprint,
    server: alert.server_name,
    tool: alert.tool,
    session: alert.session_id,
  };
  // Alertmanager treats an empty label as absent; leave them out so grouping stays clean.
  for (const [k, v] of Object.entries(labels)) if (v === '') delete labels[k];
  return {
    labels,
    annotations: { summary: alert.summary, runbook: alert.runbook },
    startsAt: alert.time,
    endsAt: new Date(alert.status === 'resolved' ? nowMs : nowMs + firingTtlMs).toISOString(),
  };
}

export async function postAlerts(
  baseUrl: string,
  alerts: readonly PostableAlert[],
  timeoutMs = 5000,
): Promise<void> {
  if (alerts.length === 0) return;
  let response: Response;
  try {
    response = await fetch(new URL('/api/v2/alerts', baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new AlertmanagerError(
      `cannot reach Alertmanager at ${baseUrl} (${error instanceof Error ? error.message : String(error)}); check MCPTAP_ALERTMANAGER_URL`,
      true,
    );
  }
  if (!response.ok) {
    const body = (await response.text()).slice(0, 300);
    throw new AlertmanagerError(
      `Alertmanager ${baseUrl} answered ${response.status} to POST /api/v2/alerts: ${body}`,
      response.status >= 500 || response.status === 429,
    );
  }
}
