// One conversation across the servers of one host (`mcptap proxy` with the README's config, no
// --session): two host processes, each starting the real server-filesystem and our mail test server
// through proxies, against a real `mcptap local`. Each host's read of a private key through one
// server and its send through the other is one session, so exfil_chain fires across the two
// proxies; the two hosts stay two sessions.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../model/index.js';
import { waitFor } from '../support/infra.js';
import { REPO_ROOT, startLocalProcess, storedAlerts, storedSession, type LocalProcess } from './support.js';

const PRIVATE_KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\n' +
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n' +
  'QyNTUxOQAAACBsYXB0b3AtaG9zdC1zZXNzaW9uLXRlc3Qta2V5LW9ubHktAAAA\n' +
  '-----END OPENSSH PRIVATE KEY-----\n';

function runHost(dataDir: string, files: string): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'test', 'local', 'laptop-host.ts'), dataDir, files],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('proxies of one host share its session (mcptap local, server-filesystem + mail test server)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-host-session-'));
  const files = realpathSync(mkdtempSync(join(tmpdir(), 'mcptap-host-files-')));
  let local: LocalProcess;

  before(async () => {
    local = await startLocalProcess(dataDir, ['--listen', '127.0.0.1:0']);
    mkdirSync(join(files, '.ssh'));
    writeFileSync(join(files, '.ssh', 'id_rsa'), PRIVATE_KEY);
    assert.deepEqual(await Promise.all([runHost(dataDir, files), runHost(dataDir, files)]), [0, 0]);
  });

  after(async () => {
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it('raises exfil_chain across the two proxies of each host, one session per host process', async () => {
    const chains = await waitFor(
      async (): Promise<Alert[] | undefined> => {
        const alerts = (await storedAlerts(dataDir, ['--rule', 'exfil_chain'])).filter(
          (a: Alert) => a.status === 'firing',
        );
        return new Set(alerts.map((a) => a.session_id)).size >= 2 ? alerts : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'exfil_chain in both host sessions' },
    );
    const sessions = [...new Set(chains.map((a) => a.session_id))];
    assert.equal(sessions.length, 2, 'two host processes are two sessions');
    for (const session of sessions) {
      assert.match(session, /^node-[0-9a-f]{16}$/, 'named after the host process');
      const servers = new Set(
        (await storedSession(dataDir, session))
          .filter((r) => r.kind === 'tool_call')
          .map((r) => String(r.server_name)),
      );
      assert.deepEqual([...servers].sort(), ['files', 'mail'], 'both proxies of the host in its session');
    }
  });
});
