import type { Alert } from '../model/index.js';

/**
 * An alert as one terminal line: time, severity, rule, where (server, tool, session, user) and one line of
 * evidence — the engine's summary, whose secrets are already masked. Text from servers reaches the
 * summary, so control characters (ANSI escapes, bidi overrides) are removed before it is printed.
 */

const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const EVIDENCE_CHARS = 200;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim();
}

export function formatAlertLine(alert: Alert): string {
  const time = alert.time.slice(11, 19);
  const where = [
    alert.server_name && `server=${printable(alert.server_name)}`,
    alert.tool && `tool=${printable(alert.tool)}`,
    `session=${printable(alert.session_id)}`,
    alert.user_id && `user=${printable(alert.user_id)}`,
  ].filter(Boolean);
  let evidence = printable(alert.summary);
  if (evidence.length > EVIDENCE_CHARS) evidence = `${evidence.slice(0, EVIDENCE_CHARS - 1)}…`;
  const status = alert.status === 'resolved' ? ' RESOLVED' : '';
  return `${time} ${alert.severity.toUpperCase().padEnd(8)} ${printable(alert.rule)}${status}  ${where.join(' ')}  ${evidence}`;
}
