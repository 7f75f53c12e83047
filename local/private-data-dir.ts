import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDataDir, restrictToOwner } from '../shim/index.js';

/**
 * Everything under a `mcptap local` data directory is its owner's alone: the store holds what the
 * tools saw (secrets masked, but content all the same), the detector state and the API key.
 *
 * chdb creates its files with the process umask, not a mode of ours, so the process that opens the
 * store sets a umask of 077 first; files already there (an earlier version's, or a directory made
 * by hand) are tightened once, on the way in.
 */
export function makeDataDirPrivate(dataDir: string): void {
  process.umask(0o077);
  ensurePrivateDataDir(dataDir);
  restrictTreeToOwner(dataDir);
}

function restrictTreeToOwner(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // A link is not followed: chmod would change its target, which may be anywhere.
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    restrictToOwner(path);
    if (entry.isDirectory()) restrictTreeToOwner(path);
  }
}
