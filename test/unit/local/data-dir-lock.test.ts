import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataDirLockedError, lockDataDir, lockHolder } from '../../../local/data-dir-lock.js';

const root = mkdtempSync(join(tmpdir(), 'mcptap-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.pid'], { stdio: 'ignore' });
  return child.pid!;
}

describe('data directory lock', () => {
  it('creates the directory, records our pid, and releases the lock', () => {
    const dir = join(root, 'a', 'b');
    const lock = lockDataDir(dir);
    assert.equal(lockHolder(dir), process.pid);
    assert.equal((JSON.parse(readFileSync(lock.path, 'utf8')) as { pid: number }).pid, process.pid);
    lock.release();
    assert.equal(existsSync(lock.path), false);
    assert.equal(lockHolder(dir), undefined);
  });

  it('refuses a second holder while the first lives, naming its pid and what to do', () => {
    const dir = join(root, 'held');
    const lock = lockDataDir(dir);
    assert.throws(
      () => lockDataDir(dir, 'mcptap local'),
      (error: unknown) =>
        error instanceof DataDirLockedError &&
        error.pid === process.pid &&
        /in use by another mcptap process \(pid \d+, this one\)/.test(error.message) &&
        /--data DIR/.test(error.message),
    );
    lock.release();
    lockDataDir(dir).release();
  });

  it('takes over a stale lock whose process is gone', () => {
    const dir = join(root, 'stale');
    const first = lockDataDir(dir);
    writeFileSync(first.path, JSON.stringify({ pid: deadPid(), host: 'x', token: 'old' }));
    assert.equal(lockHolder(dir), undefined);
    const second = lockDataDir(dir);
    assert.equal(lockHolder(dir), process.pid);
    second.release();
  });

  it('takes over an unreadable lock file', () => {
    const dir = join(root, 'garbage');
    lockDataDir(dir).release();
    writeFileSync(join(dir, 'lock'), 'not json');
    const lock = lockDataDir(dir);
    assert.equal(lockHolder(dir), process.pid);
    lock.release();
  });

  it('does not remove a lock that another holder took after ours was taken over', () => {
    const dir = join(root, 'taken');
    const mine = lockDataDir(dir);
    writeFileSync(mine.path, JSON.stringify({ pid: process.pid, host: 'x', token: 'someone-else' }));
    mine.release();
    assert.equal(existsSync(mine.path), true);
  });

  it('makes a directory that was open to others private, all the way down, without following links', () => {
    const dir = join(root, 'open');
    const outside = join(root, 'outside.txt');
    mkdirSync(join(dir, 'store', 'part'), { recursive: true });
    writeFileSync(join(dir, 'store', 'part', 'data.bin'), 'content');
    writeFileSync(outside, 'not ours to change');
    symlinkSync(outside, join(dir, 'store', 'link'));
    for (const [path, mode] of [
      [dir, 0o755],
      [join(dir, 'store'), 0o775],
      [join(dir, 'store', 'part'), 0o755],
      [join(dir, 'store', 'part', 'data.bin'), 0o664],
      [outside, 0o644],
    ] as const)
      chmodSync(path, mode);
    const lock = lockDataDir(dir);
    const mode = (path: string) => statSync(path).mode & 0o777;
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(join(dir, 'store')), 0o700);
    assert.equal(mode(join(dir, 'store', 'part')), 0o700);
    assert.equal(mode(join(dir, 'store', 'part', 'data.bin')), 0o600);
    assert.equal(mode(lock.path), 0o600);
    assert.equal(mode(outside), 0o644);
    lock.release();
  });
});
