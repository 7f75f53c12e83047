import type { KeyObject } from 'node:crypto';
import {
  STORE_TABLES,
  TABLE_SPECS,
  TIME_MS_ALIAS,
  sqlLiteral,
  timeMsExpression,
  type Row,
  type Store,
} from '../storage/index.js';
import type { ExternalCopy } from './checkpoint-outlets.js';
import { leafHash, memberKey, type SealedMember } from './leaf.js';
import { readSegments } from './segment-store.js';
import { verifySealedStore, type VerifyReport } from './verify.js';

/** `mcptap audit verify`'s reads: the segments, and every row they may cover, leaves recomputed. */

export interface VerifyStoreOptions {
  tenant?: string;
  fromMs?: number;
  toMs?: number;
  external: readonly ExternalCopy[];
  publicKey: KeyObject;
}

async function readLeaves(
  store: Store,
  tenant: string | undefined,
  fromMs: number,
  toMs: number,
): Promise<SealedMember[]> {
  const members: SealedMember[] = [];
  for (const table of STORE_TABLES) {
    const spec = TABLE_SPECS[table];
    const columns = spec.columns.map((c) => (c.shape === 'time' ? timeMsExpression(store.flavor) : c.name));
    const where = [
      `${TIME_MS_ALIAS} BETWEEN ${Math.max(0, Math.floor(fromMs))} AND ${Math.floor(Math.min(toMs, Number.MAX_SAFE_INTEGER))}`,
      ...(tenant === undefined ? [] : [`tenant = ${sqlLiteral(tenant)}`]),
    ];
    const result = await store.client.query({
      query: `SELECT ${columns.join(', ')} FROM ${store.database}.${table} FINAL WHERE ${where.join(' AND ')}`,
      format: 'JSONEachRow',
    });
    for (const row of await result.json<Row>()) {
      const timeMs = Number(row[TIME_MS_ALIAS]);
      members.push({
        tenant: String(row.tenant),
        member: memberKey(table, row),
        leaf: leafHash(table, row, timeMs),
        timeMs,
      });
    }
  }
  return members;
}

export async function verifyStore(store: Store, options: VerifyStoreOptions): Promise<VerifyReport> {
  const range = { fromMs: options.fromMs ?? 0, toMs: options.toMs ?? Number.MAX_SAFE_INTEGER };
  const segments = await readSegments(store, options.tenant);
  // Rows of every segment that overlaps the range are read, even where the segment reaches past it.
  let fromMs = range.fromMs;
  let toMs = range.toMs;
  for (const s of segments) {
    if (s.last_time_ms >= range.fromMs && s.first_time_ms <= range.toMs) {
      fromMs = Math.min(fromMs, s.first_time_ms);
      toMs = Math.max(toMs, s.last_time_ms);
    }
  }
  const rows = await readLeaves(store, options.tenant, fromMs, toMs);
  const external = options.external.map((copy) => ({
    ...copy,
    checkpoints: copy.checkpoints.filter((c) => options.tenant === undefined || c.tenant === options.tenant),
  }));
  return verifySealedStore({ segments, rows, external, publicKey: options.publicKey, range });
}
