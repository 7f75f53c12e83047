import type { KeyObject } from 'node:crypto';
import { isoTime } from '../model/index.js';
import { checkpointSignatureValid, type Checkpoint } from './checkpoint.js';
import type { ExternalCopy } from './checkpoint-outlets.js';
import type { SealedMember } from './leaf.js';
import { GENESIS_HASH, segmentHash } from './segment-chain.js';
import { checkpointOfRow, type SegmentRow } from './segment-store.js';

/**
 * The verifier's judgement, pure: given the segments, the rows' recomputed leaves, the external
 * copies of the checkpoints and the public key, every way the store differs from what was sealed.
 */

export type FindingKind =
  | 'edited_row'
  | 'deleted_row'
  | 'inserted_row'
  | 'segment_rewritten'
  | 'bad_signature'
  | 'chain_broken'
  | 'segment_removed'
  | 'checkpoint_mismatch'
  | 'checkpoint_missing'
  | 'external_copy_damaged';

export interface Finding {
  kind: FindingKind;
  tenant: string;
  /** `tenant/writer#seq` of the segment concerned, when there is one. */
  segment?: string;
  /** `<table>/<id>` of the row concerned, when there is one. */
  member?: string;
  message: string;
}

export interface VerifyInput {
  segments: readonly SegmentRow[];
  /** Rows read back from the tables (deduplicated), their leaves recomputed. */
  rows: readonly SealedMember[];
  external: readonly ExternalCopy[];
  publicKey: KeyObject;
  /** Event-time range asked for, in ms; rows outside it are not judged. */
  range: { fromMs: number; toMs: number };
}

export interface VerifyReport {
  ok: boolean;
  segments: number;
  sealedRows: number;
  rowsRead: number;
  /** Rows newer than the newest sealed row of their tenant: stored, not yet sealed. */
  unsealed: number;
  findings: Finding[];
}

const label = (s: { tenant: string; writer: string; seq: number }) => `${s.tenant}/${s.writer}#${s.seq}`;
const span = (s: { first_time_ms: number; last_time_ms: number }) =>
  `${isoTime(s.first_time_ms)} – ${isoTime(s.last_time_ms)}`;

function overlaps(s: { first_time_ms: number; last_time_ms: number }, range: VerifyInput['range']): boolean {
  return s.last_time_ms >= range.fromMs && s.first_time_ms <= range.toMs;
}

function checkSegments(input: VerifyInput, findings: Finding[]): void {
  const chains = new Map<string, SegmentRow[]>();
  for (const segment of input.segments) {
    const where = { tenant: segment.tenant, segment: label(segment) };
    if (segmentHash(segment) !== segment.hash || segment.count !== segment.members.length) {
      findings.push({
        kind: 'segment_rewritten',
        ...where,
        message: `segment ${label(segment)} (${span(segment)}) does not hash to its recorded hash: its members, leaves or span were changed`,
      });
    }
    if (!checkpointSignatureValid(checkpointOfRow(segment), input.publicKey)) {
      findings.push({
        kind: 'bad_signature',
        ...where,
        message: `the checkpoint of segment ${label(segment)} (${span(segment)}) in the store is not signed by the audit key (key id ${segment.key_id})`,
      });
    }
    const chain = `${segment.tenant}\0${segment.writer}`;
    const list = chains.get(chain);
    if (list === undefined) chains.set(chain, [segment]);
    else list.push(segment);
  }
  for (const list of chains.values()) {
    list.sort((a, b) => a.seq - b.seq);
    let expected = 0;
    let previous = GENESIS_HASH;
    for (const segment of list) {
      if (segment.seq > expected) {
        findings.push({
          kind: 'segment_removed',
          tenant: segment.tenant,
          segment: label(segment),
          message: `segments #${expected}–#${segment.seq - 1} of chain ${segment.tenant}/${segment.writer} are missing from the store (before ${label(segment)}, ${span(segment)})`,
        });
      } else if (segment.previous !== previous) {
        findings.push({
          kind: 'chain_broken',
          tenant: segment.tenant,
          segment: label(segment),
          message: `segment ${label(segment)} (${span(segment)}) does not follow the segment before it: the chain was rewritten`,
        });
      }
      expected = segment.seq + 1;
      previous = segment.hash;
    }
  }
}

function checkExternal(input: VerifyInput, findings: Finding[]): void {
  const inStore = new Map(input.segments.map((s) => [label(s), s]));
  for (const copy of input.external) {
    if (copy.unreadable > 0) {
      findings.push({
        kind: 'external_copy_damaged',
        tenant: '',
        message: `${copy.unreadable} entries of ${copy.name} are not checkpoints`,
      });
    }
    const copied = new Map<string, Checkpoint>();
    for (const checkpoint of copy.checkpoints) {
      if (!overlaps(checkpoint, input.range)) continue;
      const key = label(checkpoint);
      if (!checkpointSignatureValid(checkpoint, input.publicKey)) {
        findings.push({
          kind: 'bad_signature',
          tenant: checkpoint.tenant,
          segment: key,
          message: `the checkpoint of ${key} in ${copy.name} is not signed by the audit key`,
        });
        continue;
      }
      copied.set(key, checkpoint);
      const stored = inStore.get(key);
      if (stored === undefined) {
        if (
          input.segments.some((s) => s.tenant === checkpoint.tenant) ||
          input.rows.some((r) => r.tenant === checkpoint.tenant)
        )
          findings.push({
            kind: 'segment_removed',
            tenant: checkpoint.tenant,
            segment: key,
            message: `segment ${key} (${span(checkpoint)}, ${checkpoint.count} rows) is in ${copy.name} but not in the store`,
          });
      } else if (stored.hash !== checkpoint.hash || stored.signature !== checkpoint.signature) {
        findings.push({
          kind: 'checkpoint_mismatch',
          tenant: checkpoint.tenant,
          segment: key,
          message: `segment ${key} (${span(checkpoint)}) in the store differs from its checkpoint in ${copy.name}: it was rewritten`,
        });
      }
    }
    for (const segment of input.segments) {
      if (!copied.has(label(segment)) && overlaps(segment, input.range)) {
        findings.push({
          kind: 'checkpoint_missing',
          tenant: segment.tenant,
          segment: label(segment),
          message: `segment ${label(segment)} (${span(segment)}) has no checkpoint in ${copy.name}: it was not written by the sealer, or the copy is incomplete`,
        });
      }
    }
  }
}

function checkRows(input: VerifyInput, findings: Finding[]): { sealedRows: number; unsealed: number } {
  const { range } = input;
  const sealed = new Map<string, { leaves: Set<string>; segment: SegmentRow }>();
  const newestSealed = new Map<string, number>();
  for (const segment of input.segments) {
    newestSealed.set(segment.tenant, Math.max(newestSealed.get(segment.tenant) ?? 0, segment.last_time_ms));
    if (!overlaps(segment, range)) continue;
    segment.members.forEach((member, i) => {
      const key = `${segment.tenant}\0${member}`;
      const entry = sealed.get(key);
      if (entry === undefined) sealed.set(key, { leaves: new Set([segment.leaves[i]!]), segment });
      else entry.leaves.add(segment.leaves[i]!);
    });
  }
  const rowsByMember = new Map<string, SealedMember[]>();
  for (const row of input.rows) {
    const key = `${row.tenant}\0${row.member}`;
    const list = rowsByMember.get(key);
    if (list === undefined) rowsByMember.set(key, [row]);
    else list.push(row);
  }
  for (const [key, { leaves, segment }] of sealed) {
    const member = key.slice(key.indexOf('\0') + 1);
    const where = { tenant: segment.tenant, segment: label(segment), member };
    const rows = rowsByMember.get(key);
    if (rows === undefined) {
      findings.push({
        kind: 'deleted_row',
        ...where,
        message: `row ${member} of segment ${label(segment)} (${span(segment)}) is missing from the store: it was deleted`,
      });
      continue;
    }
    for (const row of rows) {
      if (!leaves.has(row.leaf)) {
        findings.push({
          kind: 'edited_row',
          ...where,
          message: `row ${member} (${isoTime(row.timeMs)}) differs from what segment ${label(segment)} (${span(segment)}) sealed: it was edited`,
        });
      }
    }
  }
  let unsealed = 0;
  for (const [key, rows] of rowsByMember) {
    if (sealed.has(key)) continue;
    for (const row of rows) {
      if (row.timeMs < range.fromMs || row.timeMs > range.toMs) continue;
      if (sealedAnywhere(input, row)) continue;
      if (row.timeMs > (newestSealed.get(row.tenant) ?? Infinity)) {
        unsealed++;
        continue;
      }
      if (!newestSealed.has(row.tenant)) {
        unsealed++;
        continue;
      }
      findings.push({
        kind: 'inserted_row',
        tenant: row.tenant,
        member: row.member,
        message: `row ${row.member} (${isoTime(row.timeMs)}) belongs to no sealed segment though rows of its tenant up to ${isoTime(newestSealed.get(row.tenant)!)} are sealed: it was inserted`,
      });
    }
  }
  return { sealedRows: sealed.size, unsealed };
}

/** A member sealed by a segment outside the range asked for (its row's time was moved into it). */
function sealedAnywhere(input: VerifyInput, row: SealedMember): boolean {
  return input.segments.some(
    (s) => s.tenant === row.tenant && !overlaps(s, input.range) && s.members.includes(row.member),
  );
}

export function verifySealedStore(input: VerifyInput): VerifyReport {
  const findings: Finding[] = [];
  checkSegments(input, findings);
  checkExternal(input, findings);
  const { sealedRows, unsealed } = checkRows(input, findings);
  return {
    ok: findings.length === 0,
    segments: input.segments.length,
    sealedRows,
    rowsRead: input.rows.length,
    unsealed,
    findings,
  };
}
