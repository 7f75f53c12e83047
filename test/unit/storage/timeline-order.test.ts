// The forensic timeline's order when records share a millisecond: a turn's last records (its
// output, its end) and the next turn's start often do, because the host ends one turn and starts
// the next within the same millisecond.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { McpEvent } from '../../../model/index.js';
import { sortTimeline, TABLE_FOR_KIND, type TimelineEntry } from '../../../storage/index.js';
import { sampleEvents } from '../../collector/sample-events.js';

const T0 = Date.UTC(2026, 10, 25, 16, 42, 34, 48);

function entry(event: McpEvent, timeMs: number, turn: string): TimelineEntry {
  const record = { ...event, time: new Date(timeMs).toISOString(), turn_id: turn } as McpEvent;
  return { time_ms: timeMs, table: TABLE_FOR_KIND[event.kind], record };
}

function label(e: TimelineEntry): string {
  const r = e.record as McpEvent;
  return `${r.turn_id}:${r.kind}${r.kind === 'turn' ? `/${r.phase}` : ''}`;
}

test('within a millisecond, the earlier turn ends before the next one starts', () => {
  const events = sampleEvents();
  const of = <K extends McpEvent['kind']>(kind: K, phase?: string) =>
    events.find(
      (e) => e.kind === kind && (phase === undefined || (e as { phase?: string }).phase === phase),
    )!;
  const turnStart = of('turn', 'start');
  const turnEnd = { ...turnStart, event_id: 'e-end', phase: 'end' } as McpEvent;
  const later = T0 + 93;
  const entries = [
    entry({ ...turnStart, event_id: 'e-next-start' } as McpEvent, later, 'turn-b'),
    entry(turnEnd, later, 'turn-a'),
    entry(of('assistant_output'), later, 'turn-a'),
    entry(of('tool_call'), later, 'turn-b'),
    entry(of('tool_call'), T0 + 1, 'turn-a'),
    entry(turnStart, T0, 'turn-a'),
  ];
  assert.deepEqual(sortTimeline(entries).map(label), [
    'turn-a:turn/start',
    'turn-a:tool_call',
    'turn-a:assistant_output',
    'turn-a:turn/end',
    'turn-b:turn/start',
    'turn-b:tool_call',
  ]);
});
