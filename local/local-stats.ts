import type { Alert, McpEvent, Severity } from '../model/index.js';

/** What `mcptap local` has watched since it started: the status line and `mcptap status`. */
export interface LocalStatsSnapshot {
  started_at: string;
  events: number;
  events_by_kind: Record<string, number>;
  sessions: number;
  servers: string[];
  alerts: number;
  alerts_by_severity: Partial<Record<Severity, number>>;
}

export class LocalStats {
  private events = 0;
  private readonly byKind = new Map<string, number>();
  private readonly sessions = new Set<string>();
  private readonly servers = new Set<string>();
  private alerts = 0;
  private readonly bySeverity = new Map<Severity, number>();

  constructor(private readonly startedAt: Date = new Date()) {}

  event(event: McpEvent): void {
    this.events++;
    this.byKind.set(event.kind, (this.byKind.get(event.kind) ?? 0) + 1);
    this.sessions.add(`${event.tenant}/${event.session_id}`);
    if ('server_name' in event && event.server_name !== '') this.servers.add(event.server_name);
  }

  alert(alert: Alert): void {
    if (alert.status !== 'firing') return;
    this.alerts++;
    this.bySeverity.set(alert.severity, (this.bySeverity.get(alert.severity) ?? 0) + 1);
  }

  snapshot(): LocalStatsSnapshot {
    return {
      started_at: this.startedAt.toISOString(),
      events: this.events,
      events_by_kind: Object.fromEntries(this.byKind),
      sessions: this.sessions.size,
      servers: [...this.servers].sort(),
      alerts: this.alerts,
      alerts_by_severity: Object.fromEntries(this.bySeverity),
    };
  }
}

/** One line: `watching 3 servers (files, fetch, mail) · 2 sessions · 1,204 events · 4 alerts`. */
export function formatStatusLine(stats: LocalStatsSnapshot): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const servers =
    stats.servers.length === 0
      ? 'no servers yet'
      : `${stats.servers.length} server${stats.servers.length === 1 ? '' : 's'} (${stats.servers.slice(0, 6).join(', ')}${stats.servers.length > 6 ? ', …' : ''})`;
  return `watching ${servers} · ${n(stats.sessions)} session${stats.sessions === 1 ? '' : 's'} · ${n(stats.events)} events · ${n(stats.alerts)} alert${stats.alerts === 1 ? '' : 's'}`;
}
