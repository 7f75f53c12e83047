import {
  CannotVerify,
  segmentSummaries,
  verifyStore,
  type Finding,
  type FindingKind,
  type SegmentSummary,
  type ExternalCopy,
  type VerifyReport,
  type VerifySources,
} from '../audit/index.js';
import { errorMessage } from '../model/index.js';
import type { Store } from '../storage/index.js';

/**
 * The console's audit view: the sealed segments of each tenant from `audit_segments`, and a
 * verification of the store by audit/'s own verifier (what `mcptap audit verify` runs).
 */

/** Where the verification's key and checkpoint copies come from; throws CannotVerify when they are missing. */
export type AuditSourcesOf = () => VerifySources;

export interface TenantLog {
  tenant: string;
  writers: string[];
  segments: number;
  rows: number;
  first_time_ms: number;
  last_time_ms: number;
  /** The newest checkpoint (the last sealed segment). */
  latest: SegmentSummary;
  /** The newest segments first, at most the limit asked for. */
  recent: SegmentSummary[];
}

export async function auditLog(
  store: Store,
  tenant: string | undefined,
  limit: number,
): Promise<TenantLog[]> {
  const byTenant = new Map<string, SegmentSummary[]>();
  for (const segment of await segmentSummaries(store, tenant)) {
    const list = byTenant.get(segment.tenant);
    if (list === undefined) byTenant.set(segment.tenant, [segment]);
    else list.push(segment);
  }
  return [...byTenant].map(([name, segments]) => {
    // Segments sealed together share their sealed_at: the later in the chain is the newer.
    const newestFirst = [...segments].sort((a, b) => b.sealed_at_ms - a.sealed_at_ms || b.seq - a.seq);
    return {
      tenant: name,
      writers: [...new Set(segments.map((s) => s.writer))].sort(),
      segments: segments.length,
      rows: segments.reduce((sum, s) => sum + s.count, 0),
      first_time_ms: Math.min(...segments.map((s) => s.first_time_ms)),
      last_time_ms: Math.max(...segments.map((s) => s.last_time_ms)),
      latest: newestFirst[0]!,
      recent: newestFirst.slice(0, limit),
    };
  });
}

const TAMPERED_ROWS =
  'Rows were changed in the store after they were sealed. Keep the store as it is (copy the database and the checkpoint copies before anything else), find who has write access to it (ClickHouse’s system.query_log names the user and the statement), and for the range named trust the alerts already delivered (Alertmanager, webhook) rather than the stored rows.';
const TAMPERED_LOG =
  'The audit log itself was rewritten in the store. The copies outside the store (checkpoint file, audit topic) are the reference: compare them with `mcptap audit verify`, keep both as they are, and find who has write access to audit_segments.';

const NEXT_STEPS: Record<FindingKind, string> = {
  edited_row: TAMPERED_ROWS,
  deleted_row: TAMPERED_ROWS,
  inserted_row: TAMPERED_ROWS,
  segment_rewritten: TAMPERED_LOG,
  bad_signature: `${TAMPERED_LOG} Check also that the public key the console verifies with (MCPTAP_AUDIT_PUBLIC_KEY_FILE) belongs to the writer’s signing key.`,
  chain_broken: TAMPERED_LOG,
  segment_removed: `${TAMPERED_LOG} A removed segment’s rows are gone from the audit log: treat its range as unverifiable.`,
  checkpoint_mismatch: TAMPERED_LOG,
  checkpoint_missing:
    'A segment in the store has no copy outside it: either the copy is incomplete (the writer could not append to the checkpoint file or topic: see its log) or the segment was forged in the store. Check the writer’s log for failed checkpoint writes before anything else.',
  external_copy_damaged:
    'The copy of the checkpoints outside the store holds entries that are not checkpoints: find who can write to it, and keep it as it is.',
};

export interface AuditVerification {
  /** Null when the store could not be verified (no key, no checkpoint copy): `cannot_verify` says why. */
  report: VerifyReport | null;
  cannot_verify?: string;
  /** The copies outside the store the checkpoints were checked against. */
  copies: string[];
  /** Each finding with the span of its segment, when the store still has it. */
  findings: (Finding & { first_time_ms?: number; last_time_ms?: number })[];
  next_steps: string[];
  verified_at_ms: number;
}

const segmentLabel = (s: SegmentSummary) => `${s.tenant}/${s.writer}#${s.seq}`;

/** Which rows to verify: a tenant's or all, and the event-time range (all time when absent). */
export interface AuditScope {
  tenant?: string;
  fromMs?: number;
  toMs?: number;
}

export async function auditVerification(
  store: Store,
  scope: AuditScope,
  sourcesOf: AuditSourcesOf | undefined,
): Promise<AuditVerification> {
  const { tenant } = scope;
  const verifiedAtMs = Date.now();
  const unverified = (reason: string, copies: string[] = []): AuditVerification => ({
    report: null,
    cannot_verify: reason,
    copies,
    findings: [],
    next_steps: [],
    verified_at_ms: verifiedAtMs,
  });
  if (sourcesOf === undefined)
    return unverified('this console has no audit public key: set MCPTAP_AUDIT_PUBLIC_KEY_FILE');
  let sources: VerifySources;
  try {
    sources = sourcesOf();
  } catch (error) {
    return unverified(
      error instanceof CannotVerify
        ? error.message
        : `the audit public key could not be read: ${errorMessage(error)}`,
    );
  }
  let external: ExternalCopy[];
  try {
    external = await sources.external();
  } catch (error) {
    // A copy that cannot be read (the topic missing, Kafka down) leaves nothing to check against.
    return unverified(
      error instanceof CannotVerify
        ? error.message
        : `the checkpoints' copies could not be read: ${errorMessage(error)}`,
      sources.copies,
    );
  }
  const report = await verifyStore(store, { ...scope, external, publicKey: sources.publicKey });
  const spans = new Map((await segmentSummaries(store, tenant)).map((s) => [segmentLabel(s), s]));
  const findings = report.findings.map((finding) => {
    const segment = finding.segment === undefined ? undefined : spans.get(finding.segment);
    return segment === undefined
      ? finding
      : { ...finding, first_time_ms: segment.first_time_ms, last_time_ms: segment.last_time_ms };
  });
  const next = report.ok
    ? [
        report.unsealed > 0
          ? `Every sealed row is as it was sealed. The ${report.unsealed} newest rows are not sealed yet: the writer seals them within MCPTAP_AUDIT_SEGMENT_SECONDS.`
          : 'Every sealed row is as it was sealed: nothing to do.',
      ]
    : [...new Set(report.findings.map((f) => NEXT_STEPS[f.kind]))];
  return {
    report,
    copies: sources.copies,
    findings,
    next_steps: next,
    verified_at_ms: verifiedAtMs,
  };
}
