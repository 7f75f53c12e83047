import type { Alert } from '../../model/index.js';
import { consoleSessionUrl, runbookUrl, RUNBOOKS_PATH, type AlertLinks } from './alert-links.js';
import { errorMessage } from '../../model/index.js';

/**
 * Alertmanager's v2 API: POST /api/v2/alerts. Labels route and group (alertname = rule, severity,
 * tenant, fingerprint, server, tool, session, and the user and team the host asserted). Annotations follow Alertmanager's conventions:
 * `summary` one short line, `description` the evidence, `runbook_url` the rule's section of
 * RUNBOOKS.md, and `runbook` what to do in a sentence; `generatorURL` opens the session in the
 * console. Secrets are already masked in everything the engine wrote. A firing alert is posted with
 * endsAt in the future and re-posted while active; a resolved one with endsAt = now.
 */

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

const SUMMARY_CHARS = 200;
const NO_CONSOLE: AlertLinks = { consoleUrl: '', runbookUrl: RUNBOOKS_PATH };

/** `rule: first sentence of the engine's summary`, on one line. */
export function shortSummary(alert: Alert): string {
  const flat = alert.summary.replace(/\s+/g, ' ').trim();
  const sentence = /^.*?[.!?](?=\s|$)/.exec(flat)?.[0] ?? flat;
  const line = `${alert.rule}: ${sentence}`;
  return line.length > SUMMARY_CHARS ? `${line.slice(0, SUMMARY_CHARS - 1)}…` : line;
}

/** The whole summary, where it happened, the rule's facts and the evidence events. */
function description(alert: Alert): string {
  const where = [
    alert.server_name && `server ${alert.server_name}`,
    alert.tool && `tool ${alert.tool}`,
    alert.session_id && `session ${alert.session_id}`,
    alert.host_id && `host ${alert.host_id}`,
    alert.user_id && `user ${alert.user_id}${alert.team && ` (team ${alert.team})`}`,
    alert.tenant && `tenant ${alert.tenant}`,
  ].filter(Boolean);
  const facts = Object.entries(alert.details).map(([k, v]) => `${k}: ${v}`);
  return [
    alert.summary,
    where.length > 0 ? `Where: ${where.join(', ')}.` : '',
    facts.length > 0 ? `Facts: ${facts.join('; ')}.` : '',
    alert.evidence_event_ids.length > 0 ? `Evidence events: ${alert.evidence_event_ids.join(', ')}.` : '',
    alert.runbook === '' ? '' : `What to do: ${alert.runbook}`,
  ]
    .filter((part) => part !== '')
    .join('\n');
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

export function toPostableAlert(
  alert: Alert,
  nowMs: number,
  firingTtlMs: number,
  links: AlertLinks = NO_CONSOLE,
): PostableAlert {
  const labels: Record<string, string> = {
    alertname: alert.rule,
    severity: alert.severity,
    tenant: alert.tenant,
    fingerprint: alert.fingerprint,
    server: alert.server_name,
    tool: alert.tool,
    session: alert.session_id,
    user: alert.user_id,
    team: alert.team,
  };
  // Alertmanager treats an empty label as absent; leave them out so grouping stays clean.
  for (const [k, v] of Object.entries(labels)) if (v === '') delete labels[k];
  const generatorURL = consoleSessionUrl(links, alert.session_id);
  return {
    labels,
    annotations: {
      summary: shortSummary(alert),
      description: description(alert),
      runbook_url: runbookUrl(links, alert.rule),
      runbook: alert.runbook,
    },
    startsAt: alert.time,
    endsAt: new Date(alert.status === 'resolved' ? nowMs : nowMs + firingTtlMs).toISOString(),
    ...(generatorURL === '' ? {} : { generatorURL }),
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
      `cannot reach Alertmanager at ${baseUrl} (${errorMessage(error)}); check MCPTAP_ALERTMANAGER_URL`,
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
