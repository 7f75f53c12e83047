/**
 * Turns of one session seen by several extractors at once: a host's proxies, one per server, each
 * see only their own server's messages, yet a turn (what the model does between two messages of the
 * user) spans all of them. They share the session's clock: its last message on any of them, and the
 * turn that a tool call after a gap of `idle` started. The state is kept where all of them read it
 * (the proxy keeps it in a file); this module is the pure step over it.
 */

/** What the extractors of one session share. */
export interface SessionTurnState {
  turn: string;
  /** The session's last message, on any of its extractors (ms). */
  lastMs: number;
  /** Tool calls of the current turn so far, on all of them. */
  calls: number;
  /** The turn before and its last message: for the extractor that reports that turn's end late. */
  previous?: { turn: string; lastMs: number };
}

/** A tool call, another request that starts or continues a turn (a read, a prompt), or any other message. */
export type SessionActivity = 'call' | 'turn_request' | 'message';

/** The turn a call or turn request belongs to. */
export interface SharedTurn {
  id: string;
  /** This request started it: its extractor reports the turn (start and end). */
  started: boolean;
  /** A call's place in the turn's chain, counted over every extractor of the session (1-based). */
  chainIndex: number;
}

/** The shared clock, as an extractor sees it. */
export interface SharedTurns {
  /**
   * Records a message of `session` at `ms`; for a call or turn request, returns the turn it belongs
   * to. Undefined when the shared state cannot be used: the extractor then infers turns alone.
   */
  advance(session: string, ms: number, activity: SessionActivity): SharedTurn | undefined;
  /** The session's last message in `turn`, while the shared state still knows it. */
  lastActivity(session: string, turn: string): number | undefined;
}

/**
 * One step of the session clock. A call or turn request more than `idleGapMs` after the session's
 * last message (or its first) starts a turn; everything else continues the current one.
 */
export function advanceSessionTurn(
  state: SessionTurnState | undefined,
  ms: number,
  activity: SessionActivity,
  idleGapMs: number,
  newId: () => string,
): { state: SessionTurnState | undefined; turn?: SharedTurn } {
  if (activity === 'message')
    return { state: state === undefined ? undefined : { ...state, lastMs: Math.max(state.lastMs, ms) } };
  const started = state === undefined || ms - state.lastMs > idleGapMs;
  const current: SessionTurnState = started
    ? {
        turn: newId(),
        lastMs: ms,
        calls: 0,
        ...(state === undefined ? {} : { previous: { turn: state.turn, lastMs: state.lastMs } }),
      }
    : { ...state, lastMs: Math.max(state.lastMs, ms) };
  if (activity === 'call') current.calls++;
  return {
    state: current,
    turn: { id: current.turn, started, chainIndex: activity === 'call' ? current.calls : 0 },
  };
}

/** When `turn` last saw a message, by the shared state. */
export function lastActivityOf(state: SessionTurnState | undefined, turn: string): number | undefined {
  if (state?.turn === turn) return state.lastMs;
  return state?.previous?.turn === turn ? state.previous.lastMs : undefined;
}
