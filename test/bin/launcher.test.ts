import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type * as StoreThreadModule from '../../local/store-thread.js';
import type * as StorageModule from '../../storage/index.js';
import { uniqueName } from '../support/infra.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd,
      env: { ...process.env, MCPTAP_RUNTIME: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * A repository in miniature: the real bin/, one source entry point (TypeScript that only tsx runs)
 * and a dist/ entry point that says it is the compiled one.
 */
describe('bin/mcptap.js chooses between the compiled dist/ and the sources', () => {
  let root: string;
  const launch = (env: Record<string, string> = {}) => node(root, ['bin/mcptap.js'], env);
  const writeSource = (text: string) =>
    writeFileSync(
      join(root, 'cli', 'mcptap.ts'),
      `const runtime: string = '${text}';\nconsole.log(runtime);\n`,
    );

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mcptap-launcher-'));
    cpSync(join(REPO_ROOT, 'bin'), join(root, 'bin'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(root, 'tsconfig.json'), '{}\n');
    writeFileSync(join(root, 'tsconfig.build.json'), '{ "include": ["cli"] }\n');
    mkdirSync(join(root, 'cli'));
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'mcptap.js'), "console.log('compiled');\n");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('runs the sources through tsx when dist/ has no build stamp', async () => {
    writeSource('sources');
    assert.equal((await launch()).stdout.trim(), 'sources');
    const check = await node(root, ['bin/build-stamp.js', 'check']);
    assert.equal(check.code, 1);
    assert.match(check.stderr, /no build stamp/);
  });

  it('runs dist/ when it was built from the sources as they are', async () => {
    writeSource('sources');
    assert.equal((await node(root, ['bin/build-stamp.js', 'write'])).code, 0);
    assert.equal((await node(root, ['bin/build-stamp.js', 'check'])).code, 0);
    assert.equal((await launch()).stdout.trim(), 'compiled');
    assert.equal((await launch({ MCPTAP_RUNTIME: 'compiled' })).stdout.trim(), 'compiled');
    assert.equal((await launch({ MCPTAP_RUNTIME: 'tsx' })).stdout.trim(), 'sources');
  });

  it('runs the edited sources, not the stale dist/, after a source changes', async () => {
    writeSource('sources');
    await node(root, ['bin/build-stamp.js', 'write']);
    writeSource('edited');
    assert.equal((await launch()).stdout.trim(), 'edited');
    const forced = await launch({ MCPTAP_RUNTIME: 'compiled' });
    assert.equal(forced.code, 1);
    assert.equal(forced.stdout, '');
    assert.match(forced.stderr, /sources changed since the last `npm run build`/);
  });

  it('refuses an unknown MCPTAP_RUNTIME', async () => {
    const outcome = await launch({ MCPTAP_RUNTIME: 'bun' });
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr, /expected auto, compiled or tsx/);
  });
});

describe('the compiled CLI', () => {
  const distIsCurrent = async () => (await node(REPO_ROOT, ['bin/build-stamp.js', 'check'])).code === 0;

  it('lists its commands from dist/ when `npm run build` is current', async (t) => {
    if (!(await distIsCurrent())) {
      t.skip('dist/ is missing or stale: run `npm run build`');
      return;
    }
    const outcome = await node(REPO_ROOT, ['bin/mcptap.js', '--help'], { MCPTAP_RUNTIME: 'compiled' });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /mcptap — runtime telemetry/);
    assert.match(outcome.stdout, /collector/);
  });

  // The store thread once imported store-worker.ts by name, which dist/ does not have.
  it("starts mcptap local's store thread on embedded ClickHouse from dist/", async (t) => {
    if (!(await distIsCurrent())) {
      t.skip('dist/ is missing or stale: run `npm run build`');
      return;
    }
    const compiled = (path: string) => pathToFileURL(join(REPO_ROOT, 'dist', path)).href;
    const { StoreThread } = (await import(compiled('local/store-thread.js'))) as typeof StoreThreadModule;
    const storage = (await import(compiled('storage/index.js'))) as typeof StorageModule;
    const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-compiled-store-'));
    const store = await storage.openEmbeddedStore(dataDir, uniqueName('compiled'), { embeddedTables: true });
    try {
      await storage.migrate(store, { retentionDays: storage.storageSettingsFromEnv({}).retentionDays });
      const thread = await StoreThread.start({ storeDir: dataDir, database: store.database });
      await thread.close();
    } finally {
      await store.client.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
