import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ToolCallEventSchema } from '../../../model/index.js';
import { columnsOf } from '../../../storage/columns.js';
import { recordToRow, rowToRecord, TIME_MS_ALIAS } from '../../../storage/row-codec.js';
import { maskRecord } from '../../../secrets/index.js';
import { TABLE_SPECS, TABLE_FOR_KIND } from '../../../storage/tables.js';
import { scriptedSession } from '../../storage/scenario.js';

const OLD = { version: '18.16.1', modern: false };
const MODERN = { version: '26.7.2.1', modern: true };

describe('columns derived from the event model', () => {
  it('names columns after model fields and flattens capped content', () => {
    const names = columnsOf(ToolCallEventSchema).map((c) => c.name);
    assert.ok(names.includes('arguments') && names.includes('arguments_bytes'));
    assert.ok(names.includes('result_sha256') && names.includes('result_truncated'));
    assert.ok(!names.includes('kind'), 'the kind is the table, not a column');
    assert.equal(columnsOf(ToolCallEventSchema).find((c) => c.name === 'chain_index')?.shape, 'uint');
    assert.equal(columnsOf(ToolCallEventSchema).find((c) => c.name === 'duration_ms')?.shape, 'float');
  });
  it('stores the catalog diff as arrays and JSON', () => {
    const diff = TABLE_SPECS.catalog_snapshots.columns.filter((c) => c.name.startsWith('diff_'));
    assert.deepEqual(
      diff.map((c) => [c.name, c.shape]),
      [
        ['diff_added', 'strings'],
        ['diff_removed', 'strings'],
        ['diff_changed', 'json'],
      ],
    );
  });
});

describe('row codec', () => {
  const scenario = scriptedSession({
    tenant: 't',
    sessionId: 's',
    startMs: Date.UTC(2026, 10, 24, 23, 59, 59, 999),
  });
  for (const flavor of [OLD, MODERN]) {
    it(`round-trips every event and alert (${flavor.modern ? 'modern' : 'old'} server)`, () => {
      for (const record of [...scenario.events, ...scenario.alerts]) {
        const spec = TABLE_SPECS[TABLE_FOR_KIND['kind' in record ? record.kind : 'alert']];
        const row = recordToRow(spec, record, flavor);
        // What ClickHouse returns: the time in ms, 64-bit integers quoted.
        const read: Record<string, unknown> = { ...row, [TIME_MS_ALIAS]: String(Date.parse(record.time)) };
        assert.deepEqual(rowToRecord(spec, read), record);
      }
    });
  }
  it('writes whole seconds and a millisecond column for old servers', () => {
    const row = recordToRow(TABLE_SPECS.turns, scenario.events[0]!, OLD);
    assert.equal(row.time, '2026-11-24 23:59:59');
    assert.equal(row.time_ms, 999);
    assert.equal(recordToRow(TABLE_SPECS.turns, scenario.events[0]!, MODERN).time, '2026-11-24 23:59:59.999');
  });
});

describe('masking at rest', () => {
  it('masks text but keeps ids and the sha256 of the original content', () => {
    const event = scriptedSession({ tenant: 't', sessionId: 's', startMs: 0 }).events[4]!;
    const masked = maskRecord(event, (text) => text.replace(/id_rsa/g, '[MASKED]'));
    assert.equal(masked.kind, 'tool_call');
    if (masked.kind !== 'tool_call' || event.kind !== 'tool_call') return;
    assert.match(masked.arguments.text, /\[MASKED\]/);
    assert.equal(masked.arguments.sha256, event.arguments.sha256);
    assert.equal(masked.event_id, event.event_id);
  });
});
