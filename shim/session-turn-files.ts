import { createHash, randomUUID } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  advanceSessionTurn,
  lastActivityOf,
  type SessionActivity,
  type SessionTurnState,
  type SharedTurn,
  type SharedTurns,
} from '../extract/index.js';

/**
 * The session clock of a host's proxies (extract/shared-turns.ts) in files: one small JSON file per
 * session in a private directory (`<data dir>/turns/`), each step under a lock directory beside it
 * so that two proxies seeing calls at the same moment agree on one turn. Synchronous, and only in
 * the proxy, which is a process of its own: a step is a few microseconds of file system work per
 * message, and the proxy's extraction runs after the bytes were forwarded.
 */

/** Waited for a lock before it is taken as a dead proxy's. */
const LOCK_WAIT_MS = 250;
/** Session files untouched this long are removed when a proxy starts. */
const FORGET_AFTER_MS = 7 * 24 * 3_600_000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class SessionTurnFiles implements SharedTurns {
  private usable = true;

  constructor(
    private readonly dir: string,
    private readonly idleGapMs: number,
    private readonly newId: () => string = randomUUID,
  ) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.forgetOld();
    } catch {
      this.usable = false;
    }
  }

  advance(session: string, ms: number, activity: SessionActivity): SharedTurn | undefined {
    return this.locked(session, (state) =>
      advanceSessionTurn(state, ms, activity, this.idleGapMs, this.newId),
    );
  }

  lastActivity(session: string, turn: string): number | undefined {
    return lastActivityOf(this.read(this.file(session)), turn);
  }

  private file(session: string): string {
    return join(this.dir, `${createHash('sha256').update(session).digest('hex').slice(0, 32)}.json`);
  }

  private read(file: string): SessionTurnState | undefined {
    try {
      const value = JSON.parse(readFileSync(file, 'utf8')) as SessionTurnState;
      return typeof value.turn === 'string' && typeof value.lastMs === 'number' ? value : undefined;
    } catch {
      return undefined; // none yet, or torn by a crash: a new turn starts
    }
  }

  private locked<T>(
    session: string,
    step: (state: SessionTurnState | undefined) => { state: SessionTurnState | undefined; turn?: T },
  ): T | undefined {
    if (!this.usable) return undefined;
    const file = this.file(session);
    const lock = `${file}.lock`;
    if (!this.acquire(lock)) return undefined;
    try {
      const before = this.read(file);
      const { state, turn } = step(before);
      if (state !== undefined && state !== before) {
        const temporary = `${file}.${process.pid}`;
        writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
        renameSync(temporary, file);
      }
      return turn;
    } catch {
      return undefined;
    } finally {
      try {
        rmdirSync(lock);
      } catch {
        // removed as stale by another proxy meanwhile
      }
    }
  }

  /**
   * A holder keeps the lock for microseconds; one that kept it, unchanged, for the whole wait died
   * holding it, and the lock is taken over. (Measured on this process's monotonic clock: the lock's
   * mtime comes from the file system's.)
   */
  private acquire(lock: string): boolean {
    const deadline = performance.now() + LOCK_WAIT_MS;
    let seen: number | undefined;
    let tookOver = false;
    for (;;) {
      try {
        mkdirSync(lock, { mode: 0o700 });
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          this.usable = false; // not writable: no point trying again for every message
          return false;
        }
      }
      let mtime: number | undefined;
      try {
        mtime = statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      seen ??= mtime;
      if (performance.now() > deadline) {
        if (tookOver || mtime !== seen) return false; // a live proxy's, taken again meanwhile
        try {
          rmdirSync(lock);
        } catch {
          // taken over by another proxy meanwhile
        }
        tookOver = true;
        continue;
      }
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }

  private forgetOld(): void {
    const cutoff = Date.now() - FORGET_AFTER_MS;
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      try {
        if (statSync(path).mtimeMs < cutoff) rmSync(path, { recursive: true, force: true });
      } catch {
        // removed by another proxy meanwhile
      }
    }
  }
}
