// How a bench starts `mcptap`: the TypeScript sources through tsx (as `npm run mcptap` does), or the
// compiled dist/ of `npm run build` (as the server image and bin/mcptap.js on a current build do).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type McptapRuntime = 'tsx' | 'compiled';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function parseRuntime(value: string): McptapRuntime {
  if (value === 'tsx' || value === 'compiled') return value;
  throw new Error(`mcptap runtime '${value}': expected tsx or compiled`);
}

/**
 * Node's arguments that run `mcptap` with `nodeFlags` on `runtime`. Compiled: fails unless dist/ is
 * current (bin/build-stamp.js), so a bench never measures JS older than the sources.
 */
export function mcptapNodeArgs(runtime: McptapRuntime, nodeFlags: readonly string[]): string[] {
  if (runtime === 'tsx') return [...nodeFlags, '--import', 'tsx', join(REPO_ROOT, 'cli', 'mcptap.ts')];
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'build-stamp.js'), 'check'], { stdio: 'pipe' });
  } catch (error) {
    const reason = String((error as { stderr?: Buffer }).stderr ?? error).trim();
    throw new Error(`cannot bench the compiled mcptap: ${reason}; run 'npm run build' first`);
  }
  return [...nodeFlags, join(REPO_ROOT, 'dist', 'cli', 'mcptap.js')];
}
