import type { VerifyReport } from '../audit/index.js';
import type { TimelineEntry, UserActivity } from '../storage/index.js';

/** An alert as on-call saw it: from Alertmanager's webhook (full stack) or the terminal (embedded). */
export interface ObservedAlert {
  rule: string;
  severity: string;
  session: string;
  server: string;
  tool: string;
  fingerprint: string;
  /** Whom the calls were made for, as on-call sees it ('' for none). */
  user: string;
  team: string;
  summary: string;
  /** When the condition was seen (the triggering event's time), ms since the epoch. */
  eventTimeMs: number;
  /** When on-call received it, ms since the epoch. */
  receivedMs: number;
}

/** The pipeline the demo drives: the full stack (Kafka, ClickHouse server, Alertmanager) or embedded. */
export interface DemoStack {
  kind: 'full' | 'embedded';
  /** OTLP/HTTP base URL the shim exports to. */
  collectorUrl: string;
  apiKey: string;
  tenant: string;
  /** Every alert of this run's tenant received so far. */
  observedAlerts(): Promise<ObservedAlert[]>;
  /** One session's stored timeline (events and alerts), in time order. */
  timeline(sessionId: string): Promise<TimelineEntry[]>;
  /** The store's per-user view of this run's tenant (what `#/users` of the console shows). */
  users(): Promise<UserActivity[]>;
  /**
   * The tampering scenario: seals what is stored (stops the writer), then, as someone with write
   * access to the store, edits and deletes stored rows, and runs `mcptap audit verify` as an
   * operator would. Afterwards only `stop` may be called.
   */
  tamperAndVerify(tampering: Tampering): Promise<AuditVerification>;
  /** The command an analyst runs to read one session's forensic timeline. */
  sessionCommand(sessionId: string): string;
  /** Where to look next (Grafana, ClickHouse). */
  hints: string[];
  /** What went wrong inside the stack, for a run that failed: services that exited, their warnings and errors. */
  problems(): Promise<string[]>;
  stop(): Promise<void>;
}

/** How many warning and error lines a failed run's summary carries. */
export const MAX_PROBLEM_LINES = 30;

export type Progress = (step: string, detail?: string) => void;

/** Stored rows to tamper with, as `<table>/<event id>`. */
export interface Tampering {
  edit: { table: string; eventId: string; column: string; value: unknown };
  delete: { table: string; eventId: string };
}

export interface AuditVerification {
  /** The command that verified (for the summary). */
  command: string;
  /** Its exit code: 1 when it found tampering. */
  exitCode: number | null;
  /** Its JSON report, or null when it printed none. */
  report: VerifyReport | null;
  /** Its stderr, for a failed run. */
  stderr: string;
  /** From the first change to the store to the report. */
  elapsedMs: number;
}
