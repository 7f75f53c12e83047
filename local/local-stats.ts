import type { Alert, McpEvent, Severity } from '../model/index.js';
import type { ProxyHeartbeat } from '../shim/index.js';

/** A proxy (or library host) heard from lately: by its heartbeats and the events it sent. */
export interface ProxySeen {
  server: string;
  session: string;
  host_id: string;
  /** Last heartbeat or event, ISO time. */
  last_contact: string;
  /** Events received from it since `mcptap local` started. */
  events: number;
  /** What its last heartbeat said; null when it sent none (a library host, or an older proxy). */
  spans_dropped: number | null;
  spans_delivered: number | null;
  pid: number | null;
}

/** Proxies silent for longer than this are left out of the status. */
export const PROXY_SEEN_WINDOW_MS = 15 * 60_000;

/** What `mcptap local` has watched since it started: the status line and `mcptap status`. */
export interface LocalStatsSnapshot {
  started_at: string;
  events: number;
  events_by_kind: Record<string, number>;
  sessions: number;
  servers: string[];
  alerts: number;
  alerts_by_severity: Partial<Record<Severity, number>>;
  /** Proxies heard from in the last 15 minutes, most recent first. */
  proxies: ProxySeen[];
}

export class LocalStats {
  private events = 0;
  private readonly byKind = new Map<string, number>();
  private readonly sessions = new Set<string>();
  private readonly servers = new Set<string>();
  private alerts = 0;
  private readonly bySeverity = new Map<Severity, number>();
  private readonly proxies = new Map<string, { seen: ProxySeen; lastMs: number }>();

  constructor(
    private readonly startedAt: Date = new Date(),
    private readonly now: () => number = Date.now,
  ) {}

  event(event: McpEvent): void {
    this.events++;
    this.byKind.set(event.kind, (this.byKind.get(event.kind) ?? 0) + 1);
    this.sessions.add(`${event.tenant}/${event.session_id}`);
    if ('server_name' in event && event.server_name !== '') {
      this.servers.add(event.server_name);
      this.proxy(event.server_name, event.session_id, event.host_id).events++;
    }
  }

  proxyHeartbeat(beat: ProxyHeartbeat): void {
    const seen = this.proxy(beat.server, beat.session, beat.host_id);
    seen.spans_dropped = beat.spans_dropped;
    seen.spans_delivered = beat.spans_delivered;
    seen.pid = beat.pid;
  }

  /** The entry of one proxy, its last contact now. */
  private proxy(server: string, session: string, hostId: string): ProxySeen {
    const key = JSON.stringify([hostId, session, server]);
    const ms = this.now();
    let entry = this.proxies.get(key);
    if (entry === undefined) {
      entry = {
        seen: {
          server,
          session,
          host_id: hostId,
          last_contact: '',
          events: 0,
          spans_dropped: null,
          spans_delivered: null,
          pid: null,
        },
        lastMs: ms,
      };
      this.proxies.set(key, entry);
    }
    entry.lastMs = ms;
    entry.seen.last_contact = new Date(ms).toISOString();
    return entry.seen;
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
      proxies: this.recentProxies(),
    };
  }

  private recentProxies(): ProxySeen[] {
    const since = this.now() - PROXY_SEEN_WINDOW_MS;
    const recent: Array<{ seen: ProxySeen; lastMs: number }> = [];
    for (const [key, entry] of this.proxies) {
      if (entry.lastMs >= since) recent.push(entry);
      else this.proxies.delete(key);
    }
    return recent.sort((a, b) => b.lastMs - a.lastMs).map((entry) => ({ ...entry.seen }));
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

/** `mcptap status`'s table of proxies: one line each, drops called out. */
export function formatProxyLines(proxies: readonly ProxySeen[], nowMs: number): string[] {
  if (proxies.length === 0) return ['  proxies: none heard from in the last 15 minutes'];
  const ago = (iso: string) => {
    const s = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
    return s < 90 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
  };
  return [
    `  proxies (last 15 minutes):`,
    ...proxies.map((p) => {
      const dropped =
        p.spans_dropped === null
          ? 'no heartbeat'
          : p.spans_dropped === 0
            ? 'none dropped'
            : `${p.spans_dropped} DROPPED`;
      return `    ${p.server} · session ${p.session} · host ${p.host_id} · last contact ${ago(p.last_contact)} · ${p.events} events received · ${dropped}`;
    }),
  ];
}
