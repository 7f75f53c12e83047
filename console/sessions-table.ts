import type { SessionSummary } from '../storage/index.js';

/** `mcptap sessions` as text: one line per session, columns aligned, newest activity first. */

const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

export function formatSessionsTable(sessions: readonly SessionSummary[]): string {
  // The USER column only once some host asserts a user: installations without one keep their layout.
  const withUsers = sessions.some((s) => s.users.length > 0);
  const header = [
    'LAST ACTIVITY (UTC)',
    'STARTED (UTC)',
    'SESSION',
    'HOST',
    ...(withUsers ? ['USER'] : []),
    'SERVERS',
    'EVENTS',
    'ALERTS',
  ];
  const eventsColumn = header.indexOf('EVENTS');
  const rows = sessions.map((s) => [
    time(s.last_seen_ms),
    time(s.first_seen_ms),
    s.session_id,
    s.hosts.join(',') || '-',
    ...(withUsers ? [s.users.join(',') || '-'] : []),
    s.servers.join(',') || '-',
    String(s.events),
    s.alerts === 0 ? '0' : `${s.alerts} (${s.rules.join(', ')})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((cell, i) =>
          i === cells.length - 1
            ? cell
            : i === eventsColumn
              ? cell.padStart(widths[i]!)
              : cell.padEnd(widths[i]!),
        )
        .join('  '),
    )
    .join('\n');
}
