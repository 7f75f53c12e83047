import type { TimelineEntry } from '../storage/index.js';

/** An alert as on-call saw it: from Alertmanager's webhook (full stack) or the terminal (embedded). */
export interface ObservedAlert {
  rule: string;
  severity: string;
  session: string;
  server: string;
  tool: string;
  fingerprint: string;
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
