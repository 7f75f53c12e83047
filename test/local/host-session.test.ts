// One conversation across the servers of one host, following the README's laptop section: its
// config block (parsed out of README.md) with no --session, two host processes each starting the
// real server-filesystem (through npx, as written) and the fetch server through proxies, against a
// real `mcptap local`. Each host's read of a private key through one
// server and its send through the other is one session, so exfil_chain fires across the two
// proxies; the two hosts stay two sessions. The proxies of one host infer its turns together: the
// read and the send are one turn with one chain, and the second turn, after a pause, starts on the
// other server and is the same turn on both.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../model/index.js';
import { ensureChromium, HeadlessChromium } from '../../scripts/headless-chromium.js';
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

describe("the README's laptop config: proxies of one host share its session (mcptap local, server-filesystem + fetch)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-host-session-'));
  const files = realpathSync(mkdtempSync(join(tmpdir(), 'mcptap-host-files-')));
  let local: LocalProcess;
  let consoleUrl: string;

  before(async () => {
    local = await startLocalProcess(dataDir, ['--listen', '127.0.0.1:0'], {
      MCPTAP_LOCAL_CONSOLE_LISTEN: '127.0.0.1:0',
    });
    consoleUrl = await waitFor(
      () => /forensic console: (http:\S+?)\/?$/m.exec(local.stderr.join('\n'))?.[1],
      { timeoutMs: 30_000, intervalMs: 100, description: 'mcptap local to print the console address' },
    );
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
      // The read through files, sent out through fetch (other chains may follow from the send).
      const chain = chains.find(
        (a) => a.session_id === session && /^Sensitive read by files\/read_text_file/.test(a.summary),
      );
      assert.equal(chain?.severity, 'critical', JSON.stringify(chains.map((a) => a.summary)));
      assert.match(chain.summary, /outbound tool argument to paste\.drop\.example\.net via fetch\/fetch/);
    }
    for (const session of sessions) {
      assert.match(session, /^node-[0-9a-f]{16}$/, 'named after the host process');
      const servers = new Set(
        (await storedSession(dataDir, session))
          .filter((r) => r.kind === 'tool_call')
          .map((r) => String(r.server_name)),
      );
      assert.deepEqual([...servers].sort(), ['fetch', 'files'], 'both proxies of the host in its session');
    }
  });

  it("infers each host's turns across its proxies: same turn ids, one chain, each turn reported once", async () => {
    const sessions = [
      ...new Set((await storedAlerts(dataDir, ['--rule', 'exfil_chain'])).map((a: Alert) => a.session_id)),
    ];
    assert.equal(sessions.length, 2);
    for (const session of sessions) {
      const rows = await waitFor(
        async () => {
          const timeline = await storedSession(dataDir, session);
          const ends = timeline.filter((r) => r.kind === 'turn' && r.phase === 'end');
          return ends.length >= 2 ? timeline : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 500, description: `both turns of ${session} ended` },
      );
      const calls = rows
        .filter((r) => r.kind === 'tool_call')
        .map(
          (r) => [String(r.server_name), String(r.tool), String(r.turn_id), Number(r.chain_index)] as const,
        );
      assert.equal(calls.length, 4, JSON.stringify(calls));
      const [read, send, later, list] = calls;
      assert.deepEqual(
        [read?.[0], read?.[1], send?.[0], send?.[1]],
        ['files', 'read_text_file', 'fetch', 'fetch'],
      );
      assert.equal(read?.[2], send?.[2], 'the read and the send: one turn across the two servers');
      assert.deepEqual([read?.[3], send?.[3]], [1, 2], 'one chain across the two servers');
      assert.deepEqual([later?.[0], list?.[0]], ['fetch', 'files']);
      assert.equal(later?.[2], list?.[2], 'the second turn, started on fetch, is the same turn on files');
      assert.notEqual(later?.[2], read?.[2], 'after the pause, a new turn');
      assert.deepEqual([later?.[3], list?.[3]], [1, 2]);
      const turns = rows.filter((r) => r.kind === 'turn');
      for (const turn of [read?.[2], later?.[2]]) {
        assert.deepEqual(
          turns.filter((r) => r.turn_id === turn).map((r) => r.phase),
          ['start', 'end'],
          `turn ${turn} is reported once, not once per proxy`,
        );
      }
      assert.equal(turns.length, 4, 'no turn of a proxy of its own');
    }
  });

  it('shows the exfiltration in the console, in headless chromium: the alert after the read and the send', async () => {
    ensureChromium();
    const [chain] = (await storedAlerts(dataDir, ['--rule', 'exfil_chain'])).filter((a: Alert) =>
      /^Sensitive read by files\/read_text_file/.test(a.summary),
    );
    assert.ok(chain !== undefined);
    const browser = await HeadlessChromium.launch();
    try {
      const page = await browser.newPage(1360, 900);
      await page.open(`${consoleUrl}/#/sessions/${encodeURIComponent(chain.session_id)}`);
      const entries = await waitFor(
        async () => {
          const shown = await page.evaluate<{ kind: string; text: string; evidence: boolean }[]>(
            `[...document.querySelectorAll('.timeline > li')].map((li) => ({ kind: li.dataset.kind, text: li.innerText, evidence: li.classList.contains('evidence') }))`,
          );
          return shown.some((e) => e.kind === 'alert') ? shown : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, description: 'the session timeline in the console' },
      );
      const alert = entries.findIndex(
        (e) => e.kind === 'alert' && /exfil_chain/.test(e.text) && /paste\.drop\.example\.net/.test(e.text),
      );
      assert.ok(alert > 0, entries.map((e) => `${e.kind}: ${e.text.slice(0, 80)}`).join('\n'));
      assert.match(entries[alert]!.text, /What to do next/);
      const read = entries.find((e) => e.kind === 'tool_call' && /read_text_file/.test(e.text));
      assert.ok(read?.evidence, 'the read of the key is marked as evidence');
      assert.match(read.text, /\[SECRET:private_key:[0-9a-f]+\]/, 'the key shows masked, as stored');
      assert.doesNotMatch(read.text, /BEGIN OPENSSH PRIVATE KEY-----\nb3Bl/);
      const send = entries.find((e) => e.kind === 'tool_call' && /paste\.drop\.example\.net/.test(e.text));
      assert.ok(send?.evidence, 'the fetch that sent it out is marked as evidence');
    } finally {
      await browser.close();
    }
  });
});
