import type { z } from 'zod';
import type { McpEvent, McpEventKind, Severity } from '../../model/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import type { ToolCapabilities } from '../lint/tool-capabilities.js';

/** What a detector reports; the engine turns it into an Alert (fingerprint, masking, runbook). */
export interface Finding {
  /** Alert rule, e.g. `ssrf_target`, `catalog_lint.pseudo_tag`; Alertmanager's `alertname`. */
  rule: string;
  severity: Severity;
  /** What makes this finding distinct within rule and tenant (server, tool, host …): the fingerprint. */
  key: readonly string[];
  /** Evidence event ids, oldest first (the current event is added when missing). */
  evidence: readonly string[];
  /** One paragraph; the engine masks secrets in it. */
  summary: string;
  /** Rule-specific facts; the engine masks secrets in every value. */
  details: Record<string, string>;
  /** Overrides of the alert's subject when it is not the current event's (e.g. the shadowed tool). */
  tool?: string;
  /** Destination host, for allow-list entries with `host`. */
  host?: string;
}

export interface DetectorContext {
  rules: DetectorRules;
  /** The event's time in ms (`eventTimeMs`), parsed once for every detector. */
  ms: number;
  /** What several detectors ask about the event, answered once on first use (`call-signals.ts`). */
  facts: EventFacts;
}

export interface EventFacts {
  capabilities?: ToolCapabilities;
  sensitiveRead?: string | null;
  /** Whether the result/content looked injected, and by which shapes (`injected-result.ts`). */
  injection?: { shapes: string; start: number; end: number } | null;
  /** What kind of sink the call is, if any (`call-signals.ts`). */
  sink?: string | null;
}

/** How a detector's state is scoped and kept. State must be plain JSON (it goes to a changelog). */
export interface StateSpec<S> {
  /** The state this event reads and updates, e.g. `${tenant}/${session_id}`. */
  key(event: McpEvent): string;
  initial(): S;
  schema: z.ZodType<S>;
  /** Per-session state: dropped after `alerts.session_idle_ms` without events. */
  expires: boolean;
}

export interface Detector<S = unknown> {
  id: string;
  kinds: readonly McpEventKind[];
  /** Absent for a detector that judges each event alone: it gets `null` and nothing is stored. */
  state?: StateSpec<S>;
  /** May mutate `state`; returns what it found. Pure otherwise: no I/O, no clock. */
  onEvent(event: McpEvent, state: S, ctx: DetectorContext): Finding[];
  /** Runbook line per rule this detector raises. */
  runbooks: Record<string, string>;
}

/** Erases the state type so that detectors with different states fit in one list. */
export function defineDetector<S>(detector: Detector<S>): Detector {
  return detector as unknown as Detector;
}
