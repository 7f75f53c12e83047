import { turnEvent, type ContentCaps, type LineContext } from './event-builders.js';
import type { SessionActivity, SharedTurns } from './shared-turns.js';
import type { McpEvent } from '../model/index.js';

interface Turn {
  id: string;
  inferred: boolean;
  /** Tool calls in the turn so far (on this extractor). */
  chainLength: number;
  /** The line that started it: its start event's time and identity. */
  ctx: LineContext;
  /** This extractor reports the turn's start and end (another one started a shared turn). */
  reported: boolean;
}

interface SessionState {
  turn: Turn | null;
  lastActivityMs: number;
  /** Once the host has reported a user turn, turns are never inferred for this session. */
  hostDriven: boolean;
}

/** The turn a message belongs to (empty when none) and, for a tool call, its place in the turn's chain. */
export interface TurnPlace {
  turnId: string;
  chainIndex: number;
}

export interface SessionTurnsOptions {
  /** Without host lines, a gap this long between messages starts a new (inferred) turn. */
  idleTurnGapMs: number;
  /** Sessions whose turn state is kept; beyond it the least recent one is closed. */
  maxSessions: number;
  newId: () => string;
  caps: ContentCaps;
  sharedTurns?: SharedTurns;
}

/**
 * Each session's current turn: started by the host's user turn, or — when the host reports none —
 * inferred from idle gaps (alone, or on the session clock shared with the host's other
 * extractors); every tool call is counted in its turn's chain. Emits the turns' start and end
 * events. Sessions are kept least-recently-used first and bounded.
 */
export class SessionTurns {
  private readonly sessions = new Map<string, SessionState>();

  constructor(private readonly options: SessionTurnsOptions) {}

  /** The user spoke (a host line): a turn starts, and this session's turns are the host's from now on. */
  userTurn(session: string, ctx: LineContext, text: string, out: McpEvent[]): void {
    const state = this.session(session);
    state.hostDriven = true;
    this.startTurn(session, state, ctx, text, false, out);
  }

  /** Any other host line at `ms`; returns the session's current turn. */
  hostActivity(session: string, ms: number): string {
    const state = this.session(session);
    state.lastActivityMs = ms;
    return state.turn?.id ?? '';
  }

  /**
   * A wire message: a call or turn request (`tools/call`, `resources/read`, `prompts/get`) may start
   * an inferred turn; every message moves the session's clock. Returns where the message stands.
   */
  wireMessage(session: string, ctx: LineContext, activity: SessionActivity, out: McpEvent[]): TurnPlace {
    const state = this.session(session);
    let sharedChainIndex: number | undefined;
    if (activity === 'message') {
      if (!state.hostDriven) this.options.sharedTurns?.advance(session, ctx.ms, 'message');
    } else {
      sharedChainIndex = this.inferTurn(session, state, ctx, activity === 'call', out);
    }
    state.lastActivityMs = ctx.ms;
    const turn = state.turn;
    if (turn === null) return { turnId: '', chainIndex: 0 };
    if (activity !== 'call') return { turnId: turn.id, chainIndex: 0 };
    turn.chainLength++;
    return { turnId: turn.id, chainIndex: sharedChainIndex ?? turn.chainLength };
  }

  /** Closes the least recent sessions beyond the bound (their open turns end). */
  evictBeyondMax(out: McpEvent[]): void {
    while (this.sessions.size > this.options.maxSessions) {
      const [oldest, state] = this.sessions.entries().next().value as [string, SessionState];
      this.endTurn(oldest, state, out);
      this.sessions.delete(oldest);
    }
  }

  /** Ends every open turn (the end of the story). */
  endAll(out: McpEvent[]): void {
    for (const [session, state] of this.sessions) this.endTurn(session, state, out);
  }

  private session(id: string): SessionState {
    let state = this.sessions.get(id);
    if (state !== undefined) {
      // Re-insert so that the map's order is least-recently-used first.
      this.sessions.delete(id);
      this.sessions.set(id, state);
      return state;
    }
    state = { turn: null, lastActivityMs: 0, hostDriven: false };
    this.sessions.set(id, state);
    return state;
  }

  /**
   * The turn a call or read belongs to when the host reports none: on the session's shared clock
   * when there is one (returning a call's place in the shared chain), else from this extractor's own
   * idle gaps.
   */
  private inferTurn(
    session: string,
    state: SessionState,
    ctx: LineContext,
    isCall: boolean,
    out: McpEvent[],
  ): number | undefined {
    if (state.hostDriven) return undefined;
    const shared = this.options.sharedTurns?.advance(session, ctx.ms, isCall ? 'call' : 'turn_request');
    if (shared === undefined) {
      if (state.turn === null || ctx.ms - state.lastActivityMs > this.options.idleTurnGapMs)
        this.startTurn(session, state, ctx, '', true, out);
      return undefined;
    }
    if (state.turn?.id !== shared.id) {
      this.endTurn(session, state, out);
      state.turn = { id: shared.id, inferred: true, chainLength: 0, ctx, reported: shared.started };
      if (shared.started) out.push(this.turnStart(session, state.turn, ''));
    }
    return isCall ? shared.chainIndex : undefined;
  }

  private startTurn(
    session: string,
    state: SessionState,
    ctx: LineContext,
    text: string,
    inferred: boolean,
    out: McpEvent[],
  ): void {
    this.endTurn(session, state, out);
    state.turn = { id: this.options.newId(), inferred, chainLength: 0, ctx, reported: true };
    out.push(this.turnStart(session, state.turn, text));
  }

  private turnStart(session: string, turn: Turn, text: string): McpEvent {
    const place = { ctx: turn.ctx, session, turnId: turn.id, eventId: this.options.newId() };
    return turnEvent(place, 'start', text, turn.inferred, this.options.caps);
  }

  /** A turn ends at the session's last message, on this extractor or (shared) any other. */
  private endTurn(session: string, state: SessionState, out: McpEvent[]): void {
    const turn = state.turn;
    if (turn === null) return;
    state.turn = null;
    if (!turn.reported) return;
    const sharedLast = this.options.sharedTurns?.lastActivity(session, turn.id) ?? 0;
    const ctx = { ...turn.ctx, ms: Math.max(turn.ctx.ms, state.lastActivityMs, sharedLast) };
    const place = { ctx, session, turnId: turn.id, eventId: this.options.newId() };
    out.push(turnEvent(place, 'end', '', turn.inferred, this.options.caps));
  }
}
