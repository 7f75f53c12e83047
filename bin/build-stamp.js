// The build stamp: one hash of everything `npm run build` compiles or copies into dist/ (the folders
// tsconfig.build.json includes, the tsconfigs, package.json). scripts/build.sh writes it into
// dist/build-stamp; bin/mcptap.js runs dist/ only while the sources still hash to it, so a developer
// who edits a .ts file after a build runs that edit (through tsx), never the stale JS.
//
//   node bin/build-stamp.js write   (scripts/build.sh, after compiling)
//   node bin/build-stamp.js check   (exit 0: dist/ is current; 1: missing or stale, and why)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const STAMP_PATH = join(REPO_ROOT, 'dist', 'build-stamp');
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.mcptap']);

function filesUnder(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !(entry.isDirectory() && SKIPPED_FOLDERS.has(entry.name)))
    .flatMap((entry) => filesUnder(join(path, entry.name)));
}

/** Hex SHA-256 over the relative path and content of every build input, in a fixed order. */
export function sourcesHash() {
  const buildConfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8'));
  const inputs = ['tsconfig.json', 'tsconfig.build.json', 'package.json', ...buildConfig.include]
    .flatMap((path) => filesUnder(join(REPO_ROOT, path)))
    .map((file) => relative(REPO_ROOT, file))
    .sort();
  const hash = createHash('sha256');
  for (const file of inputs)
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(REPO_ROOT, file)))
      .update('\0');
  return hash.digest('hex');
}

/** Why dist/ cannot run in place of the sources, or undefined when it is current. */
export function staleReason() {
  if (!existsSync(STAMP_PATH)) return 'dist/ has no build stamp (run `npm run build`)';
  if (readFileSync(STAMP_PATH, 'utf8').trim() !== sourcesHash())
    return 'the sources changed since the last `npm run build`';
  return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  if (command === 'write') writeFileSync(STAMP_PATH, `${sourcesHash()}\n`);
  else if (command === 'check') {
    const reason = staleReason();
    if (reason !== undefined) {
      console.error(reason);
      process.exitCode = 1;
    }
  } else {
    console.error('usage: node bin/build-stamp.js write|check');
    process.exitCode = 2;
  }
}
