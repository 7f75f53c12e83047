import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  GENESIS_HASH,
  SegmentChains,
  checkpointSignatureValid,
  leafHash,
  sealedMember,
  signCheckpoint,
  verifySealedStore,
  type SealedMember,
  type Segment,
} from '../../../audit/index.js';
import { leafForm } from '../../../audit/leaf.js';
import { checkpointOfRow, segmentRow } from '../../../audit/segment-store.js';
import { canonicalHash } from '../../../model/index.js';
import { flavorForVersion, StoreWriter, type Store } from '../../../storage/index.js';
import { sampleEvents } from '../../collector/sample-events.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key = { privateKey, publicKey, keyId: 'test' };

const member = (tenant: string, n: number): SealedMember => ({
  tenant,
  member: `tool_calls/e${n}`,
  leaf: canonicalHash(n),
  timeMs: 1000 * n,
});

describe('audit leaves', () => {
  for (const version of ['18.16.1', '26.7.2.1']) {
    it(`hash a written row and the same row read back alike, as canonicalHash does (${version})`, () => {
      const writer = new StoreWriter({ flavor: flavorForVersion(version), database: 'd' } as Store, {
        mask: null,
      });
      for (const event of sampleEvents({ tenant: 't' })) {
        const { table, row } = writer.row(event);
        const sealed = sealedMember(table, row);
        assert.equal(sealed.timeMs, Date.parse(event.time));
        assert.equal(sealed.leaf, canonicalHash(leafForm(table, row, sealed.timeMs)));
        // As ClickHouse answers: 64-bit integers as strings, the time as its own alias.
        const readBack = Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]),
        );
        delete readBack.time;
        assert.equal(leafHash(table, readBack, sealed.timeMs), sealed.leaf);
        assert.notEqual(leafHash(table, { ...readBack, session_id: 'other' }, sealed.timeMs), sealed.leaf);
      }
    });
  }
});

describe('segment chains', () => {
  it('close a tenant’s segment at the record limit or its age, each linked to the one before', () => {
    const chains = new SegmentChains('w', { records: 2, maxAgeMs: 1000 });
    const closed = chains.add([member('a', 1), member('b', 2), member('a', 3), member('a', 4)], 0);
    assert.deepEqual(
      closed.map((s) => [s.tenant, s.seq, s.members]),
      [['a', 0, ['tool_calls/e1', 'tool_calls/e3']]],
    );
    assert.equal(closed[0]!.previous, GENESIS_HASH);
    assert.deepEqual(chains.due(999), []);
    const aged = chains.due(1000);
    assert.deepEqual(aged.map((s) => [s.tenant, s.seq, s.count, s.first_time_ms, s.last_time_ms]).sort(), [
      ['a', 1, 1, 4000, 4000],
      ['b', 0, 1, 2000, 2000],
    ]);
    assert.equal(aged.find((s) => s.tenant === 'a')!.previous, closed[0]!.hash);
  });

  it('continue from a resumed head', () => {
    const chains = new SegmentChains(
      'w',
      { records: 1, maxAgeMs: 1000 },
      new Map([['a', { seq: 7, previous: 'f'.repeat(64) }]]),
    );
    const [segment] = chains.add([member('a', 1)], 0);
    assert.equal(segment!.seq, 7);
    assert.equal(segment!.previous, 'f'.repeat(64));
  });
});

describe('verifying sealed segments', () => {
  const chains = new SegmentChains('w', { records: 2, maxAgeMs: Infinity });
  const members = [1, 2, 3, 4, 5, 6].map((n) => member('a', n));
  const segments: Segment[] = chains.add(members, 0);
  const rows = segments.map((s) => segmentRow(s, signCheckpoint(s, key, 0)));
  const input = (overrides: Partial<Parameters<typeof verifySealedStore>[0]>) =>
    verifySealedStore({
      segments: rows,
      rows: members,
      external: [{ name: 'file f', checkpoints: rows.map(checkpointOfRow), unreadable: 0 }],
      publicKey,
      range: { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER },
      ...overrides,
    });

  it('signs checkpoints the public key verifies, and only those', () => {
    assert.ok(checkpointSignatureValid(checkpointOfRow(rows[0]!), publicKey));
    assert.ok(!checkpointSignatureValid({ ...checkpointOfRow(rows[0]!), count: 3 }, publicKey));
  });

  it('finds nothing in an untouched store', () => {
    assert.deepEqual(input({}).findings, []);
  });

  it('names a segment removed from the middle of a chain, and from the store but not the copy', () => {
    const kinds = input({
      segments: [rows[0]!, rows[2]!],
      rows: members.filter((m) => !['tool_calls/e3', 'tool_calls/e4'].includes(m.member)),
    }).findings.map((f) => [f.kind, f.segment]);
    assert.deepEqual(kinds, [
      ['segment_removed', 'a/w#2'],
      ['segment_removed', 'a/w#1'],
    ]);
  });

  it('names a segment whose members were rewritten and re-signed with another key', () => {
    const other = generateKeyPairSync('ed25519');
    const forged = { ...segments[1]!, leaves: [canonicalHash('x'), segments[1]!.leaves[1]!] };
    const row = segmentRow(forged, signCheckpoint(forged, { ...other, keyId: 'other' }, 0));
    const kinds = input({ segments: [rows[0]!, row, rows[2]!] }).findings.map((f) => f.kind);
    assert.ok(kinds.includes('segment_rewritten'));
    assert.ok(kinds.includes('bad_signature'));
    assert.ok(kinds.includes('checkpoint_mismatch'));
    assert.ok(kinds.includes('edited_row'));
  });

  it('counts rows newer than anything sealed as not yet sealed, not as inserted', () => {
    const report = input({ rows: [...members, member('a', 99)] });
    assert.deepEqual(report.findings, []);
    assert.equal(report.unsealed, 1);
  });
});
