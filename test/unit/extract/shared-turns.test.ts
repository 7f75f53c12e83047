// Turns of one session seen by two proxies (one per server) on the session's shared clock: the pure
// step, two extractors sharing it, and the file-backed clock the proxy uses.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseEvent, type McpEvent } from '../../../model/index.js';
import {
  advanceSessionTurn,
  lastActivityOf,
  SessionExtractor,
  type SessionActivity,
  type SessionTurnState,
  type SharedTurns,
  type WireLine,
} from '../../../extract/index.js';
import { SessionTurnFiles } from '../../../shim/session-turn-files.js';

const GAP = 30_000;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');

/** The shared clock in memory: what the file-backed one does, without files. */
function memoryClock(): SharedTurns {
  const states = new Map<string, SessionTurnState | undefined>();
  let n = 0;
  return {
    advance(session: string, ms: number, activity: SessionActivity) {
      const { state, turn } = advanceSessionTurn(states.get(session), ms, activity, GAP, () => `turn-${++n}`);
      states.set(session, state);
      return turn;
    },
    lastActivity: (session, turn) => lastActivityOf(states.get(session), turn),
  };
}

function proxyExtractor(server: string, sharedTurns?: SharedTurns) {
  let n = 0;
  return new SessionExtractor({
    tenant: 'acme',
    hostId: 'laptop-1',
    newId: () => `${server}-${++n}`,
    idleTurnGapMs: GAP,
    sharedTurns,
  });
}

let requestId = 0;
/** A tool call and its answer `answerAfter` ms later, as the proxy of `server` sees them. */
function call(server: string, ms: number, tool: string, answerAfter = 10): WireLine[] {
  const id = ++requestId;
  const line = (dir: 'c2s' | 's2c', at: number, msg: object): WireLine => ({
    ms: T0 + at,
    session: 'claude-1',
    server,
    dir,
    msg: msg as Record<string, unknown>,
  });
  return [
    line('c2s', ms, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: {} } }),
    line('s2c', ms + answerAfter, {
      jsonrpc: '2.0',
      id,
      result: { content: [{ type: 'text', text: 'ok' }] },
    }),
  ];
}

/** Two proxies' extractors fed in time order, as the host's traffic crossed them. */
function conversation(sharedTurns?: SharedTurns): McpEvent[] {
  const proxies = { files: proxyExtractor('files', sharedTurns), mail: proxyExtractor('mail', sharedTurns) };
  const lines = [
    // Turn 1: a read, then a long-running send whose answer comes 40 s later, then another read.
    ...call('files', 0, 'read_file'),
    ...call('mail', 1_000, 'send_email', 40_000),
    ...call('files', 45_000, 'read_file'),
    // Turn 2, after a minute of silence, starts on the other server.
    ...call('mail', 120_000, 'send_email'),
    ...call('files', 121_000, 'read_file'),
  ].sort((a, b) => a.ms - b.ms);
  const events = lines.flatMap((line) => proxies[line.server as 'files' | 'mail'].push(line));
  events.push(...proxies.files.flush(), ...proxies.mail.flush());
  for (const event of events) parseEvent(event);
  return events;
}

const calls = (events: McpEvent[]) =>
  events.flatMap((e) => (e.kind === 'tool_call' ? [[e.server_name, e.turn_id, e.chain_index] as const] : []));
const turns = (events: McpEvent[]) =>
  events.flatMap((e) =>
    e.kind === 'turn' ? [[e.phase, e.turn_id, e.event_id.split('-')[0], e.time] as const] : [],
  );

describe('turns on the session clock shared by its proxies', () => {
  it('a call after an idle gap starts a turn; any message in between keeps it going', () => {
    let n = 0;
    const id = () => `t${++n}`;
    let step = advanceSessionTurn(undefined, 0, 'message', GAP, id);
    assert.equal(step.state, undefined, 'housekeeping before any call starts nothing');
    step = advanceSessionTurn(undefined, 0, 'call', GAP, id);
    assert.deepEqual(step.turn, { id: 't1', started: true, chainIndex: 1 });
    step = advanceSessionTurn(step.state, 25_000, 'message', GAP, id);
    step = advanceSessionTurn(step.state, 50_000, 'turn_request', GAP, id);
    assert.deepEqual(step.turn, { id: 't1', started: false, chainIndex: 0 });
    step = advanceSessionTurn(step.state, 51_000, 'call', GAP, id);
    assert.deepEqual(step.turn, { id: 't1', started: false, chainIndex: 2 });
    step = advanceSessionTurn(step.state, 90_000, 'call', GAP, id);
    assert.deepEqual(step.turn, { id: 't2', started: true, chainIndex: 1 });
    assert.equal(lastActivityOf(step.state, 't1'), 51_000);
    assert.equal(lastActivityOf(step.state, 't2'), 90_000);
    assert.equal(lastActivityOf(step.state, 't0'), undefined);
  });

  it('gives the calls of two proxies the same turns, with one chain across servers', () => {
    const events = conversation(memoryClock());
    // In the order the answers came: the long send's answer (41 s) before the third read.
    assert.deepEqual(calls(events), [
      ['files', 'turn-1', 1],
      ['mail', 'turn-1', 2],
      ['files', 'turn-1', 3],
      ['mail', 'turn-2', 1],
      ['files', 'turn-2', 2],
    ]);
  });

  it('reports each turn once, by the proxy whose call started it, ending at the last message of the session', () => {
    // The event ids say which proxy's extractor reported the turn.
    const reported = turns(conversation(memoryClock()));
    assert.deepEqual(reported.sort(), [
      ['end', 'turn-1', 'files', new Date(T0 + 45_010).toISOString()],
      ['end', 'turn-2', 'mail', new Date(T0 + 121_010).toISOString()],
      ['start', 'turn-1', 'files', new Date(T0).toISOString()],
      ['start', 'turn-2', 'mail', new Date(T0 + 120_000).toISOString()],
    ]);
  });

  it('without the shared clock, each proxy infers turns of its own (what it replaces)', () => {
    const own = calls(conversation());
    assert.notEqual(new Set(own.map(([, turn]) => turn)).size, 2);
  });
});

describe('SessionTurnFiles (the proxy’s session clock)', () => {
  it('lets two proxies of one session agree on its turns through a private directory', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mcptap-turns-')), 'turns');
    try {
      const files = new SessionTurnFiles(dir, GAP);
      const mail = new SessionTurnFiles(dir, GAP);
      const first = files.advance('claude-1', T0, 'call');
      assert.equal(first?.started, true);
      assert.deepEqual(mail.advance('claude-1', T0 + 20, 'call'), {
        id: first?.id,
        started: false,
        chainIndex: 2,
      });
      mail.advance('claude-1', T0 + 29_000, 'message');
      assert.equal(files.lastActivity('claude-1', first!.id), T0 + 29_000);
      assert.equal(files.advance('claude-1', T0 + 30_000, 'call')?.id, first?.id);
      const later = mail.advance('claude-1', T0 + 90_000, 'call');
      assert.ok(later?.started && later.id !== first?.id);
      assert.equal(mail.advance('another-host', T0 + 90_000, 'call')?.started, true, 'sessions apart');
      assert.equal(statSync(dir).mode & 0o777, 0o700);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });

  it('steps past a lock left by a proxy that died holding it', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mcptap-turns-')), 'turns');
    try {
      const clock = new SessionTurnFiles(dir, GAP);
      clock.advance('claude-1', T0, 'call');
      const file = readdirSync(dir).find((name) => name.endsWith('.json'))!;
      mkdirSync(join(dir, `${file}.lock`));
      assert.equal(clock.advance('claude-1', T0 + 1_000, 'call')?.chainIndex, 2);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });

  it('answers nothing (the proxy infers alone) where it cannot write', () => {
    const parent = mkdtempSync(join(tmpdir(), 'mcptap-turns-'));
    try {
      const notADirectory = join(parent, 'file');
      writeFileSync(notADirectory, '');
      const clock = new SessionTurnFiles(join(notADirectory, 'turns'), GAP);
      assert.equal(clock.advance('claude-1', T0, 'call'), undefined);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
