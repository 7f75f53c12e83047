import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDataDir } from '../shim/index.js';
import { makeDataDirPrivate } from './private-data-dir.js';

/**
 * One `mcptap local` per data directory: embedded ClickHouse has no lock of its own, and two
 * engines writing one directory corrupt it. The lock is a file holding the owner's pid, created
 * atomically (written aside, then hard-linked into place). A lock whose process is gone is stale
 * and taken over. Taking the directory also makes it and everything in it private (see
 * private-data-dir.ts), before anything opens the store.
 */

export class DataDirLockedError extends Error {
  readonly retriable = false;
  constructor(
    message: string,
    readonly pid: number,
  ) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  path: string;
  release(): void;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
}

const LOCK_FILE = 'lock';

function readLock(path: string): LockContent | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof value.pid !== 'number' || typeof value.token !== 'string') return undefined;
    return { pid: value.pid, host: String(value.host ?? ''), token: value.token };
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid holding the directory's lock, when a live process holds it. */
export function lockHolder(dataDir: string): number | undefined {
  const held = readLock(join(dataDir, LOCK_FILE));
  return held !== undefined && processAlive(held.pid) ? held.pid : undefined;
}

export function lockDataDir(dataDir: string, purpose = 'mcptap local'): DataDirLock {
  ensurePrivateDataDir(dataDir);
  const path = join(dataDir, LOCK_FILE);
  const mine: LockContent = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  const aside = `${path}.${process.pid}.${mine.token}`;
  writeFileSync(aside, JSON.stringify(mine) + '\n', { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(aside, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      }
      const held = readLock(path);
      if (held !== undefined && processAlive(held.pid)) {
        throw new DataDirLockedError(
          `${dataDir} is in use by another mcptap process (pid ${held.pid}${held.pid === process.pid ? ', this one' : ''}). ` +
            `Stop it first, or give ${purpose} another data directory (--data DIR or MCPTAP_DATA_DIR).`,
          held.pid,
        );
      }
      // Stale (its process is gone) or unreadable: take it over, unless it changed meanwhile.
      const again = readLock(path);
      if (again?.token === held?.token) {
        try {
          unlinkSync(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    }
  } finally {
    unlinkSync(aside);
  }
  makeDataDirPrivate(dataDir);
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      if (readLock(path)?.token === mine.token) unlinkSync(path);
    },
  };
}
