import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_USER, parseEvent, type McpEvent } from '../../../model/index.js';
import { DEFAULT_CAPS } from '../../../extract/event-builders.js';
import type { SharedTurns } from '../../../extract/shared-turns.js';
import { SessionTurns } from '../../../extract/turns.js';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const ctx = (ms: number) => ({ tenant: 'acme', hostId: 'h', user: NO_USER, ms: T0 + ms });

function sessionTurns(options: { maxSessions?: number; sharedTurns?: SharedTurns } = {}) {
  let n = 0;
  return new SessionTurns({
    idleTurnGapMs: 1_000,
    maxSessions: options.maxSessions ?? 10,
    newId: () => `id-${++n}`,
    caps: DEFAULT_CAPS,
    sharedTurns: options.sharedTurns,
  });
}

/** Each turn event as `phase session turn time(ms after T0) inferred text`, validated against the model. */
const turnEvents = (events: McpEvent[]) =>
  events.map((e) => {
    parseEvent(e);
    assert.equal(e.kind, 'turn');
    return e.kind === 'turn'
      ? `${e.phase} ${e.session_id} ${e.turn_id} ${Date.parse(e.time) - T0} ${e.inferred} ${e.text.text}`
      : '';
  });

describe('session turns', () => {
  it('infers a turn at the first call and another after an idle gap, ending each at its last message', () => {
    const turns = sessionTurns();
    const out: McpEvent[] = [];
    const places = [
      turns.wireMessage('s', ctx(0), 'call', out),
      turns.wireMessage('s', ctx(10), 'message', out),
      turns.wireMessage('s', ctx(900), 'call', out),
      turns.wireMessage('s', ctx(1_500), 'message', out),
      turns.wireMessage('s', ctx(2_600), 'call', out),
    ];
    assert.deepEqual(places, [
      { turnId: 'id-1', chainIndex: 1 },
      { turnId: 'id-1', chainIndex: 0 },
      { turnId: 'id-1', chainIndex: 2 },
      { turnId: 'id-1', chainIndex: 0 },
      { turnId: 'id-4', chainIndex: 1 },
    ]);
    turns.endAll(out);
    assert.deepEqual(turnEvents(out), [
      'start s id-1 0 true ',
      'end s id-1 1500 true ',
      'start s id-4 2600 true ',
      'end s id-4 2600 true ',
    ]);
  });

  it('lets reads and prompts start a turn but counts only tool calls in its chain', () => {
    const turns = sessionTurns();
    const out: McpEvent[] = [];
    assert.deepEqual(turns.wireMessage('s', ctx(0), 'message', out), { turnId: '', chainIndex: 0 });
    assert.deepEqual(turns.wireMessage('s', ctx(5), 'turn_request', out), { turnId: 'id-1', chainIndex: 0 });
    assert.deepEqual(turns.wireMessage('s', ctx(6), 'call', out), { turnId: 'id-1', chainIndex: 1 });
    assert.deepEqual(turnEvents(out), ['start s id-1 5 true ']);
  });

  it('follows the host once it reports a user turn, however long the model then works', () => {
    const turns = sessionTurns();
    const out: McpEvent[] = [];
    turns.wireMessage('s', ctx(0), 'call', out);
    turns.userTurn('s', ctx(100), 'plan my week', out);
    const calls = [5_000, 60_000, 600_000].map((ms) => turns.wireMessage('s', ctx(ms), 'call', out));
    assert.deepEqual(calls, [
      { turnId: 'id-4', chainIndex: 1 },
      { turnId: 'id-4', chainIndex: 2 },
      { turnId: 'id-4', chainIndex: 3 },
    ]);
    assert.equal(turns.hostActivity('s', T0 + 600_010), 'id-4');
    turns.endAll(out);
    assert.deepEqual(turnEvents(out), [
      'start s id-1 0 true ',
      'end s id-1 0 true ',
      'start s id-4 100 false plan my week',
      'end s id-4 600010 false ',
    ]);
  });

  it('closes the least recently active session beyond its bound, ending its turn', () => {
    const turns = sessionTurns({ maxSessions: 1 });
    const out: McpEvent[] = [];
    turns.wireMessage('a', ctx(0), 'call', out);
    turns.evictBeyondMax(out);
    turns.wireMessage('b', ctx(10), 'call', out);
    turns.evictBeyondMax(out);
    // `a` is forgotten: its next call, well within the idle gap, starts a new turn.
    assert.deepEqual(turns.wireMessage('a', ctx(20), 'call', out), { turnId: 'id-6', chainIndex: 1 });
    turns.evictBeyondMax(out);
    assert.deepEqual(turnEvents(out), [
      'start a id-1 0 true ',
      'start b id-3 10 true ',
      'end a id-1 0 true ',
      'start a id-6 20 true ',
      'end b id-3 10 true ',
    ]);
  });

  it('takes turns and chain places from the shared session clock, reporting only turns it started', () => {
    const shared = new Map<string, { id: string; started: boolean; chainIndex: number; lastMs: number }>();
    const sharedTurns: SharedTurns = {
      advance: (session, ms, activity) => {
        const turn = shared.get(session);
        if (turn === undefined || activity === 'message') return undefined;
        turn.lastMs = Math.max(turn.lastMs, ms);
        return { id: turn.id, started: turn.started, chainIndex: activity === 'call' ? turn.chainIndex : 0 };
      },
      lastActivity: (session, turn) =>
        shared.get(session)?.id === turn ? shared.get(session)!.lastMs : undefined,
    };
    const turns = sessionTurns({ sharedTurns });
    const out: McpEvent[] = [];
    shared.set('s', { id: 'other-proxy-turn', started: false, chainIndex: 4, lastMs: 0 });
    assert.deepEqual(turns.wireMessage('s', ctx(0), 'call', out), {
      turnId: 'other-proxy-turn',
      chainIndex: 4,
    });
    shared.set('s', { id: 'my-turn', started: true, chainIndex: 1, lastMs: 0 });
    assert.deepEqual(turns.wireMessage('s', ctx(50), 'call', out), { turnId: 'my-turn', chainIndex: 1 });
    // Another proxy saw the session's last message of this turn later than this one did.
    shared.get('s')!.lastMs = T0 + 700;
    turns.endAll(out);
    assert.deepEqual(turnEvents(out), ['start s my-turn 50 true ', 'end s my-turn 700 true ']);
  });
});
