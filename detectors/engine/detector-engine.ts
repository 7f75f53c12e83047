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
import { maskSecrets } from '../../secrets/index.js';
import type { Detector, DetectorContext, Finding } from './detector.js';
import {
  ALERT_PREFIX,
  DETECTOR_PREFIX,
  SEEN_PREFIX,
  splitStateKey,
  type StateStore,
  type StoredState,
} from './state-store.js';

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

/** A detector with the prefix of its state keys (`d|<id>|`), built once. */
interface Route {
  detector: Detector;
  prefix: string;
}

export class DetectorEngine {
  private rules: DetectorRules;
  private readonly detectors: readonly Detector[];
  private readonly byKind = new Map<McpEventKind, Route[]>();
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
      const route = { detector, prefix: `${DETECTOR_PREFIX}${detector.id}|` };
      for (const kind of detector.kinds) {
        const list = this.byKind.get(kind) ?? [];
        list.push(route);
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
    const fired: Alert[] = [];
    const routes = this.byKind.get(event.kind);
    const ms = eventTimeMs(event);
    if (routes === undefined || this.alreadySeen(event, ms)) return fired;
    const ctx: DetectorContext = { rules: this.rules, ms, facts: {} };
    for (const { detector, prefix } of routes) {
      let findings: Finding[];
      const spec = detector.state;
      if (spec === undefined) {
        findings = detector.onEvent(event, null, ctx);
      } else {
        const scope = spec.key(event);
        const stored = this.store.read(prefix, scope);
        if (stored === undefined) {
          const state = spec.initial();
          findings = detector.onEvent(event, state, ctx);
          this.store.write(prefix, scope, { v: state, t: ms });
        } else {
          findings = detector.onEvent(event, stored.v, ctx);
          stored.t = ms;
          this.store.write(prefix, scope, stored);
        }
      }
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
    for (const prefix of [...this.store.prefixes()]) {
      const expires = this.expires(prefix);
      if (prefix !== ALERT_PREFIX && !expires) continue;
      for (const [scope, entry] of [...this.store.scan(prefix)]) {
        if (prefix === ALERT_PREFIX) {
          const active = entry.v as ActiveAlert;
          if (nowMs - active.last_seen_ms >= resolve_after_ms) {
            this.store.remove(prefix, scope);
            resolved.push({ ...active.alert, status: 'resolved' });
          }
        } else if (nowMs - entry.t >= session_idle_ms) {
          this.store.remove(prefix, scope);
        }
      }
    }
    return resolved;
  }

  /** Alerts firing now (for periodic re-posting to Alertmanager). */
  activeAlerts(): Alert[] {
    const out: Alert[] = [];
    for (const [, entry] of this.store.scan(ALERT_PREFIX)) out.push((entry.v as ActiveAlert).alert);
    return out;
  }

  /**
   * Validates a state entry read back from the changelog: true when it belongs to a known detector
   * (or is an alert / seen-set) and has that detector's shape.
   */
  isValidState(key: string, value: StoredState): boolean {
    const { prefix } = splitStateKey(key);
    if (prefix === ALERT_PREFIX) {
      const v = value.v as Partial<ActiveAlert> | null;
      return (
        typeof v === 'object' &&
        v !== null &&
        typeof v.last_seen_ms === 'number' &&
        typeof v.alert === 'object'
      );
    }
    if (prefix === SEEN_PREFIX) return Array.isArray(value.v);
    const detector = this.detectorOf(prefix);
    if (detector === undefined) return false;
    // A stateless detector's entry (`null`, written by earlier versions) is kept until it expires.
    return detector.state === undefined ? value.v === null : detector.state.schema.safeParse(value.v).success;
  }

  private detectorOf(prefix: string): Detector | undefined {
    if (!prefix.startsWith(DETECTOR_PREFIX)) return undefined;
    return this.byId.get(prefix.slice(DETECTOR_PREFIX.length, -1));
  }

  /** Whether entries under `prefix` are dropped after `alerts.session_idle_ms` without events. */
  private expires(prefix: string): boolean {
    if (prefix === SEEN_PREFIX) return true;
    if (!prefix.startsWith(DETECTOR_PREFIX)) return false;
    return this.detectorOf(prefix)?.state?.expires ?? true;
  }

  private alreadySeen(event: McpEvent, ms: number): boolean {
    const stream = streamKey(event);
    const stored = this.store.read(SEEN_PREFIX, stream);
    if (stored === undefined) {
      this.store.write(SEEN_PREFIX, stream, { v: [event.event_id], t: ms });
      return false;
    }
    const ids = stored.v as string[];
    if (ids.includes(event.event_id)) return true;
    ids.push(event.event_id);
    if (ids.length > SEEN_EVENT_IDS) ids.splice(0, ids.length - SEEN_EVENT_IDS);
    stored.t = ms;
    this.store.write(SEEN_PREFIX, stream, stored);
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
    const existing = this.store.read(ALERT_PREFIX, fingerprint)?.v as ActiveAlert | undefined;
    if (existing !== undefined) {
      existing.last_seen_ms = Math.max(existing.last_seen_ms, ms);
      this.store.write(ALERT_PREFIX, fingerprint, { v: existing, t: ms });
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
      user_id: event.user_id,
      team: event.team,
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
    this.store.write(ALERT_PREFIX, fingerprint, {
      v: { alert, last_seen_ms: ms } satisfies ActiveAlert,
      t: ms,
    });
    return alert;
  }
}
