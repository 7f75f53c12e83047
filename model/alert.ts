import { z } from 'zod';
import { IsoTimeSchema } from './events.js';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isAtLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

/** A finding raised by a detector, as produced to the alerts topic, stored and sent to on-call. */
export const AlertSchema = z.object({
  /** Deterministic: the same rule and key always give the same fingerprint. */
  fingerprint: z.string().min(1).max(128),
  rule: z.string().min(1).max(128),
  severity: SeveritySchema,
  status: z.enum(['firing', 'resolved']),
  /** When the condition was first seen (event time of the triggering event). */
  time: IsoTimeSchema,
  tenant: z.string(),
  host_id: z.string(),
  session_id: z.string(),
  /** The user and team of the triggering event, as the host asserted them; empty when unknown. */
  user_id: z.string(),
  team: z.string(),
  server_name: z.string(),
  server_id: z.string(),
  tool: z.string(),
  /** Event ids that show the finding, oldest first. */
  evidence_event_ids: z.array(z.string()).max(100),
  /** One paragraph for a human; secrets already masked. */
  summary: z.string().max(4096),
  runbook: z.string().max(1024),
  /** Rule-specific facts (masked), e.g. the field and excerpt of a lint finding. */
  details: z.record(z.string(), z.string()),
});
export type Alert = z.infer<typeof AlertSchema>;

export function parseAlert(value: unknown): Alert {
  return AlertSchema.parse(value);
}
