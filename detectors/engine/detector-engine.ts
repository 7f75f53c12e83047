import {
  eventTimeMs,
  isoTime,
  sha256Hex,
  type Alert,
  type McpEvent,
  type McpEventKind,
} from '../../model/index.js';
import { isAllowed, type DetectorRules } from '../config/detector-rules.js';
import { sliceWhole } from '../lint/text-shapes.js';
import { maskSecrets } from '../secrets/find-secrets.js';
import type { Detector, Finding } from './detector.js';
import type { StateStore, StoredState } from './state-store.js';

/**
 * Runs every detector over a stream of events and turns findings into alerts: deterministic
 * fingerprint, masked summary and details, runbook, dedup while active, resolution on timeout.
 * The same engine runs in replay, tests, the Kafka runtime and embedded mode; it does no I/O.
 */

export interface DetectorEngineConfig {
  rules: DetectorRules;
  detectors: readonly Detector[];
}

/** An alert the engine keeps while it fires (state key `alert|<fingerprint>`). */
export interface ActiveAlert {
  alert: Alert;
  /** Event time (ms) the condition was last seen. */
  last_seen_ms: number;
}

const ALERT_PREFIX = 'alert|';
const SEEN_PREFIX = 'seen|';
const STATE_PREFIX = 'd|';
/** Event ids remembered per stream so that a redelivered event (at-least-once) is not counted twice. */
const SEEN_EVENT_IDS = 256;
const MAX_EVIDENCE = 100;

export function alertFingerprint(rule: string, tenant: string, key: readonly string[]): string {
  return sha256Hex([rule, tenant, ...key].join('|')).slice(0, 16);
}

function streamKey(event: McpEvent): string {
  return event.kind === 'catalog'
    ? `${event.tenant}/catalog/${event.server_id}`
    : `${event.tenant}/${event.session_id}`;
}

function serverOf(event: McpEvent): { server_name: string; server_id: string; tool: string } {
  return {
    server_name: 'server_name' in event ? event.server_name : '',
    server_id: 'server_id' in event ? event.server_id : '',
    tool: 'tool' in event ? event.tool : '',
  };
}

export class DetectorEngine {
  private rules: DetectorRules;
  private readonly detectors: readonly Detector[];
  private readonly byKind = new Map<McpEventKind, Detector[]>();
  private readonly byId = new Map<string, Detector>();
  private readonly runbooks = new Map<string, string>();

  constructor(
    config: DetectorEngineConfig,
    private readonly store: StateStore,
  ) {
    this.rules = config.rules;
    this.detectors = config.detectors;
    for (const detector of this.detectors) {
      this.byId.set(detector.id, detector);
      for (const kind of detector.kinds) {
        const list = this.byKind.get(kind) ?? [];
        list.push(detector);
        this.byKind.set(kind, list);
      }
      for (const [rule, line] of Object.entries(detector.runbooks)) this.runbooks.set(rule, line);
    }
  }

  /** Swaps the rules (SIGHUP / file change); state is kept. */
  setRules(rules: DetectorRules): void {
    this.rules = rules;
  }

  get currentRules(): DetectorRules {
    return this.rules;
  }

  /** Runs the event through every detector that consumes its kind; returns alerts that start firing. */
  process(event: McpEvent): Alert[] {
    const ms = eventTimeMs(event);
    if (this.alreadySeen(event, ms)) return [];
    const fired: Alert[] = [];
    const ctx = { rules: this.rules };
    for (const detector of this.byKind.get(event.kind) ?? []) {
      const key = `${STATE_PREFIX}${detector.id}|${detector.state.key(event)}`;
      const stored = this.store.get(key);
      const state = stored === undefined ? detector.state.initial() : stored.v;
      const findings = detector.onEvent(event, state, ctx);
      this.store.set(key, { v: state, t: ms });
      for (const finding of findings) {
        const alert = this.raise(event, finding, ms);
        if (alert !== null) fired.push(alert);
      }
    }
    return fired;
  }

  /**
   * Time-based work at `nowMs`: resolves alerts not seen for `alerts.resolve_after_ms`, drops idle
   * per-session state. Returns the alerts that resolved.
   */
  tick(nowMs: number): Alert[] {
    const resolved: Alert[] = [];
    const { resolve_after_ms, session_idle_ms } = this.rules.alerts;
    for (const key of [...this.store.keys()]) {
      const entry = this.store.get(key);
      if (entry === undefined) continue;
      if (key.startsWith(ALERT_PREFIX)) {
        const active = entry.v as ActiveAlert;
        if (nowMs - active.last_seen_ms >= resolve_after_ms) {
          this.store.delete(key);
          resolved.push({ ...active.alert, status: 'resolved' });
        }
      } else if (nowMs - entry.t >= session_idle_ms && this.expires(key)) {
        this.store.delete(key);
      }
    }
    return resolved;
  }

  /** Alerts firing now (for periodic re-posting to Alertmanager). */
  activeAlerts(): Alert[] {
    const out: Alert[] = [];
    for (const key of this.store.keys()) {
      if (key.startsWith(ALERT_PREFIX)) out.push((this.store.get(key)?.v as ActiveAlert).alert);
    }
    return out;
  }

  /**
   * Validates a state entry read back from the changelog: true when it belongs to a known detector
   * (or is an alert / seen-set) and has that detector's shape.
   */
  isValidState(key: string, value: StoredState): boolean {
    if (key.startsWith(ALERT_PREFIX)) {
      const v = value.v as Partial<ActiveAlert> | null;
      return (
        typeof v === 'object' &&
        v !== null &&
        typeof v.last_seen_ms === 'number' &&
        typeof v.alert === 'object'
      );
    }
    if (key.startsWith(SEEN_PREFIX)) return Array.isArray(value.v);
    if (!key.startsWith(STATE_PREFIX)) return false;
    const id = key.slice(STATE_PREFIX.length, key.indexOf('|', STATE_PREFIX.length));
    const detector = this.byId.get(id);
    return detector !== undefined && detector.state.schema.safeParse(value.v).success;
  }

  private expires(key: string): boolean {
    if (key.startsWith(SEEN_PREFIX)) return true;
    if (!key.startsWith(STATE_PREFIX)) return false;
    const id = key.slice(STATE_PREFIX.length, key.indexOf('|', STATE_PREFIX.length));
    return this.byId.get(id)?.state.expires ?? true;
  }

  private alreadySeen(event: McpEvent, ms: number): boolean {
    const key = `${SEEN_PREFIX}${streamKey(event)}`;
    const ids = (this.store.get(key)?.v as string[] | undefined) ?? [];
    if (ids.includes(event.event_id)) return true;
    ids.push(event.event_id);
    if (ids.length > SEEN_EVENT_IDS) ids.splice(0, ids.length - SEEN_EVENT_IDS);
    this.store.set(key, { v: ids, t: ms });
    return false;
  }

  private raise(event: McpEvent, finding: Finding, ms: number): Alert | null {
    const subject = serverOf(event);
    const tool = finding.tool ?? subject.tool;
    if (
      isAllowed(this.rules, { rule: finding.rule, server: subject.server_name, tool, host: finding.host })
    ) {
      return null;
    }
    const fingerprint = alertFingerprint(finding.rule, event.tenant, finding.key);
    const key = `${ALERT_PREFIX}${fingerprint}`;
    const existing = this.store.get(key)?.v as ActiveAlert | undefined;
    if (existing !== undefined) {
      existing.last_seen_ms = Math.max(existing.last_seen_ms, ms);
      this.store.set(key, { v: existing, t: ms });
      return null;
    }
    const evidence = finding.evidence.includes(event.event_id)
      ? [...finding.evidence]
      : [...finding.evidence, event.event_id];
    const alert: Alert = {
      fingerprint,
      rule: finding.rule,
      severity: finding.severity,
      status: 'firing',
      time: isoTime(ms),
      tenant: event.tenant,
      host_id: event.host_id,
      session_id: event.session_id,
      server_name: subject.server_name,
      server_id: subject.server_id,
      tool,
      evidence_event_ids: evidence.slice(-MAX_EVIDENCE),
      summary: sliceWhole(maskSecrets(finding.summary), 0, 4096),
      runbook: (
        this.runbooks.get(finding.rule) ??
        this.runbooks.get(finding.rule.split('.')[0] ?? '') ??
        ''
      ).slice(0, 1024),
      details: Object.fromEntries(Object.entries(finding.details).map(([k, v]) => [k, maskSecrets(v)])),
    };
    this.store.set(key, { v: { alert, last_seen_ms: ms } satisfies ActiveAlert, t: ms });
    return alert;
  }
}
