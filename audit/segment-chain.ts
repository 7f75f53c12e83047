import { canonicalHash } from '../model/index.js';
import type { SealedMember } from './leaf.js';

/**
 * Stored rows grouped into hash-chained segments, one chain per (tenant, writer). A segment lists
 * its members (`<table>/<id>`) and their leaves in the order they were stored, so the verifier needs
 * no ordering of its own; its hash binds the previous segment's hash, the members and leaves, their
 * count and time span. A row stored twice (the sink is at least once) is a member twice: both
 * leaves are equal, and the table's deduplicated row matches either.
 */

export const GENESIS_HASH = '0'.repeat(64);

export interface SegmentBody {
  tenant: string;
  writer: string;
  seq: number;
  previous: string;
  members: string[];
  leaves: string[];
  first_time_ms: number;
  last_time_ms: number;
}

export interface Segment extends SegmentBody {
  count: number;
  hash: string;
}

export function segmentHash(body: SegmentBody): string {
  return canonicalHash({
    v: 1,
    tenant: body.tenant,
    writer: body.writer,
    seq: body.seq,
    previous: body.previous,
    count: body.members.length,
    first_time_ms: body.first_time_ms,
    last_time_ms: body.last_time_ms,
    entries: canonicalHash(body.members.map((member, i) => [member, body.leaves[i]])),
  });
}

export interface ChainHead {
  /** The next segment's sequence number. */
  seq: number;
  previous: string;
}

interface OpenSegment {
  members: SealedMember[];
  openedAtMs: number;
}

export interface SegmentLimits {
  records: number;
  maxAgeMs: number;
}

export class SegmentChains {
  private readonly heads = new Map<string, ChainHead>();
  private readonly open = new Map<string, OpenSegment>();

  constructor(
    readonly writer: string,
    private readonly limits: SegmentLimits,
    resumed: ReadonlyMap<string, ChainHead> = new Map(),
  ) {
    for (const [tenant, head] of resumed) this.heads.set(tenant, head);
  }

  /** Adds stored rows; returns the segments that filled up. */
  add(members: readonly SealedMember[], nowMs: number): Segment[] {
    const closed: Segment[] = [];
    for (const member of members) {
      let segment = this.open.get(member.tenant);
      if (segment === undefined) this.open.set(member.tenant, (segment = { members: [], openedAtMs: nowMs }));
      segment.members.push(member);
      if (segment.members.length >= this.limits.records) closed.push(this.close(member.tenant));
    }
    return closed;
  }

  /** Closes the segments open for maxAgeMs or longer (every one with `all`). */
  due(nowMs: number, all = false): Segment[] {
    const tenants = [...this.open].filter(([, s]) => all || nowMs - s.openedAtMs >= this.limits.maxAgeMs);
    return tenants.map(([tenant]) => this.close(tenant));
  }

  get openRecords(): number {
    let n = 0;
    for (const segment of this.open.values()) n += segment.members.length;
    return n;
  }

  private close(tenant: string): Segment {
    const { members } = this.open.get(tenant)!;
    this.open.delete(tenant);
    const head = this.heads.get(tenant) ?? { seq: 0, previous: GENESIS_HASH };
    let first = Infinity;
    let last = -Infinity;
    for (const m of members) {
      first = Math.min(first, m.timeMs);
      last = Math.max(last, m.timeMs);
    }
    const body: SegmentBody = {
      tenant,
      writer: this.writer,
      seq: head.seq,
      previous: head.previous,
      members: members.map((m) => m.member),
      leaves: members.map((m) => m.leaf),
      first_time_ms: first,
      last_time_ms: last,
    };
    const hash = segmentHash(body);
    this.heads.set(tenant, { seq: head.seq + 1, previous: hash });
    return { ...body, count: members.length, hash };
  }
}
