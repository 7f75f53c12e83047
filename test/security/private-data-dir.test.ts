// [16].3: a data directory is its owner's alone, whether or not it existed before. `mcptap local`
// runs for real on a directory made 0755 with 0644 files in it (an older run's key and endpoint, a
// file of the operator's), real MCP servers send through `mcptap proxy`, the store is read back; then
// nothing under the directory may be readable, writable or searchable by group or others.
import assert from 'node:assert/strict';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filesystemServer } from '../shim/support.js';
import { uniqueName, waitFor } from '../support/infra.js';
import { hostEnv, mcptap, proxiedClient, startLocalProcess, storedSession } from '../local/support.js';

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every path under `dir` (links not followed) whose mode lets group or others in. */
function openToOthers(dir: string): string[] {
  const open: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if ((stat.mode & 0o077) !== 0) open.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) open.push(...openToOthers(path));
  }
  return open;
}

describe('mcptap local keeps its data directory private (server-filesystem through mcptap proxy, embedded store)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mcptap-private-'));
  const dataDir = join(root, 'data');
  const files = realpathSync(mkdtempSync(join(tmpdir(), 'mcptap-private-files-')));
  const session = uniqueName('private');
  const oldKey = 'a'.repeat(48);
  let walkedWhileRunning: string[] = [];
  let walkedAfter: string[] = [];
  let modesWhileRunning: Record<string, number> = {};

  before(async () => {
    mkdirSync(join(dataDir, 'notes'), { recursive: true });
    for (const [name, content] of [
      ['api-key', `${oldKey}\n`],
      ['local.json', '{}\n'],
      ['notes/today.txt', 'the operator keeps notes here\n'],
    ] as const) {
      writeFileSync(join(dataDir, name), content);
      chmodSync(join(dataDir, name), 0o644);
    }
    chmodSync(join(dataDir, 'notes'), 0o755);
    chmodSync(dataDir, 0o755);
    writeFileSync(join(files, 'notes.txt'), 'Buy milk.\n');

    const local = await startLocalProcess(dataDir, ['--listen', '127.0.0.1:0']);
    try {
      modesWhileRunning = {
        dir: mode(dataDir),
        key: mode(join(dataDir, 'api-key')),
        endpoint: mode(join(dataDir, 'local.json')),
        notes: mode(join(dataDir, 'notes')),
        note: mode(join(dataDir, 'notes', 'today.txt')),
      };
      const client = await proxiedClient(dataDir, 'files', session, filesystemServer(files));
      await client.listTools();
      await client.callTool({ name: 'read_text_file', arguments: { path: join(files, 'notes.txt') } });
      await client.close();
      await waitFor(async () => (await storedSession(dataDir, session)).some((r) => r.kind === 'tool_call'), {
        timeoutMs: 30_000,
        intervalMs: 500,
        description: 'the tool call to be stored',
      });
      const { code, stderr } = await mcptap(['status', '--data', dataDir], hostEnv(dataDir));
      assert.equal(code, 0, stderr);
      walkedWhileRunning = openToOthers(dataDir);
    } finally {
      assert.equal(await local.stop(), 0);
    }
    // Read back with no `mcptap local` running: the read command opens the store itself.
    const timeline = await storedSession(dataDir, session);
    assert.ok(
      timeline.some((row) => row.kind === 'tool_call'),
      'the traffic was stored',
    );
    walkedAfter = openToOthers(dataDir);
  });

  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it('tightens a directory and files that existed before it started to 0700 / 0600', () => {
    assert.deepEqual(modesWhileRunning, {
      dir: 0o700,
      key: 0o600,
      endpoint: 0o600,
      notes: 0o700,
      note: 0o600,
    });
  });

  it('keeps the API key that was there', () => {
    assert.equal(readFileSync(join(dataDir, 'api-key'), 'utf8').trim(), oldKey);
  });

  it('leaves nothing under the data directory, the embedded store included, open to group or others', () => {
    assert.ok(readdirSync(join(dataDir, 'clickhouse')).length > 0, 'the store is under the data directory');
    assert.deepEqual(walkedWhileRunning, []);
    assert.deepEqual(walkedAfter, []);
  });
});
