// Tests of scripts/infra/webhook-recorder.ts, each against a private recorder process on a free port
// (the shared one on MCPTAP_WEBHOOK_PORT is in use by other tests, which a DELETE would disturb).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor, type RecordedNotification } from '../support/infra.js';

const RECORDER = join(import.meta.dirname, '..', '..', 'scripts', 'infra', 'webhook-recorder.ts');

describe('webhook recorder (scripts/infra/webhook-recorder.ts)', () => {
  let child: ChildProcess;
  let dataDir: string;
  let url: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcptap-webhook-recorder-'));
    child = spawn(process.execPath, ['--import', 'tsx', RECORDER, '--data-dir', dataDir], {
      env: { ...process.env, MCPTAP_WEBHOOK_PORT: '0', MCPTAP_WEBHOOK_MAX_ENTRIES: '3' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const listening = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out), {
      timeoutMs: 15_000,
      description: 'the recorder to print its address',
    });
    url = listening[1] ?? '';
  });

  after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  async function post(path: string, body: string): Promise<Response> {
    return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  }

  async function list(query = ''): Promise<RecordedNotification[]> {
    const res = await fetch(`${url}/notifications${query}`);
    assert.equal(res.status, 200);
    return (await res.json()) as RecordedNotification[];
  }

  it('answers /healthz', async () => {
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { ok: boolean }).ok, true);
  });

  it('records JSON posted to any path with its receive time, and filters by since', async () => {
    const before = Date.now();
    assert.equal((await post('/alertmanager', JSON.stringify({ status: 'firing', n: 1 }))).status, 200);
    const entries = await list(`?since=${before}`);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.path, '/alertmanager');
    assert.deepEqual(entries[0]?.body, { status: 'firing', n: 1 });
    assert.ok((entries[0]?.receivedAt ?? 0) >= before);
    assert.deepEqual(await list(`?since=${Date.now() + 60_000}`), []);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await post('/x', '{not json');
    assert.equal(res.status, 400);
  });

  it('keeps only the newest entries in memory, all of them in the JSONL journal, and forgets on DELETE', async () => {
    for (let i = 0; i < 5; i += 1) await post('/bounded', JSON.stringify({ i }));
    const kept = await list();
    assert.deepEqual(
      kept.map((e) => e.body),
      [{ i: 2 }, { i: 3 }, { i: 4 }],
    );

    const journal = await waitFor(
      async () => {
        const lines = (await readFile(join(dataDir, 'notifications.jsonl'), 'utf8')).trim().split('\n');
        return lines.filter((l) => l.includes('"/bounded"')).length === 5 ? lines : undefined;
      },
      { description: 'five /bounded lines in notifications.jsonl' },
    );
    assert.deepEqual((JSON.parse(journal.at(-1) ?? '{}') as RecordedNotification).body, { i: 4 });

    const res = await fetch(`${url}/notifications`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.deepEqual(await list(), []);
  });
});
