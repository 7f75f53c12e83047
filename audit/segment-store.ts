import { sqlLiteral, type Store } from '../storage/index.js';
import type { Checkpoint } from './checkpoint.js';
import type { ChainHead, Segment } from './segment-chain.js';

/** The `audit_segments` table (created by `mcptap migrate`, storage/migrations.ts): sealed segments and their checkpoints. */

export const SEGMENTS_TABLE = 'audit_segments';

export interface SegmentRow extends Segment {
  sealed_at_ms: number;
  key_id: string;
  signature: string;
}

export function segmentRow(segment: Segment, checkpoint: Checkpoint): SegmentRow {
  return {
    ...segment,
    sealed_at_ms: checkpoint.sealed_at_ms,
    key_id: checkpoint.key_id,
    signature: checkpoint.signature,
  };
}

export function checkpointOfRow(row: SegmentRow): Checkpoint {
  return {
    v: 1,
    tenant: row.tenant,
    writer: row.writer,
    seq: row.seq,
    previous: row.previous,
    hash: row.hash,
    count: row.count,
    first_time_ms: row.first_time_ms,
    last_time_ms: row.last_time_ms,
    sealed_at_ms: row.sealed_at_ms,
    key_id: row.key_id,
    signature: row.signature,
  };
}

export async function insertSegments(store: Store, rows: readonly SegmentRow[]): Promise<void> {
  await store.client.insert({
    table: `${store.database}.${SEGMENTS_TABLE}`,
    values: rows,
    format: 'JSONEachRow',
  });
}

/** Each tenant's chain head of `writer`, so that a restarted writer continues its chains. */
export async function chainHeads(store: Store, writer: string): Promise<Map<string, ChainHead>> {
  const result = await store.client.query({
    query: `SELECT tenant, max(seq) AS last_seq, argMax(hash, seq) AS last_hash
            FROM ${store.database}.${SEGMENTS_TABLE} FINAL WHERE writer = ${sqlLiteral(writer)} GROUP BY tenant`,
    format: 'JSONEachRow',
  });
  const heads = new Map<string, ChainHead>();
  for (const row of await result.json<{ tenant: string; last_seq: string | number; last_hash: string }>()) {
    heads.set(row.tenant, { seq: Number(row.last_seq) + 1, previous: row.last_hash });
  }
  return heads;
}

const NUMERIC: ReadonlyArray<keyof SegmentRow> = [
  'seq',
  'count',
  'first_time_ms',
  'last_time_ms',
  'sealed_at_ms',
];

/** Every segment (deduplicated), optionally of one tenant, in chain order. */
export async function readSegments(store: Store, tenant?: string): Promise<SegmentRow[]> {
  const where = tenant === undefined ? '' : `WHERE tenant = ${sqlLiteral(tenant)}`;
  const result = await store.client.query({
    query: `SELECT * FROM ${store.database}.${SEGMENTS_TABLE} FINAL ${where} ORDER BY tenant, writer, seq`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<Record<string, unknown>>();
  return rows.map((row) => {
    for (const key of NUMERIC) row[key] = Number(row[key]);
    return row as unknown as SegmentRow;
  });
}

/** A sealed segment without its members and leaves: what a listing of the log shows. */
export type SegmentSummary = Omit<SegmentRow, 'members' | 'leaves' | 'signature'>;

/** Every segment's summary (deduplicated), optionally of one tenant, in chain order. */
export async function segmentSummaries(store: Store, tenant?: string): Promise<SegmentSummary[]> {
  const where = tenant === undefined ? '' : `WHERE tenant = ${sqlLiteral(tenant)}`;
  const result = await store.client.query({
    query: `SELECT tenant, writer, seq, previous, hash, count, first_time_ms, last_time_ms, sealed_at_ms, key_id
            FROM ${store.database}.${SEGMENTS_TABLE} FINAL ${where} ORDER BY tenant, writer, seq`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<Record<string, unknown>>();
  return rows.map((row) => {
    for (const key of NUMERIC) row[key] = Number(row[key]);
    return row as unknown as SegmentSummary;
  });
}
