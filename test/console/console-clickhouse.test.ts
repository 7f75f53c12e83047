// `mcptap console` for a team: the real local ClickHouse 18.16 read as the read-only user
// mcptap_reader, its JSON API and a session's timeline in headless chromium.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { maskSecrets } from '../../secrets/index.js';
import { migrate, openStore, StoreWriter, type Store } from '../../storage/index.js';
import { ensureChromium, HeadlessChromium } from '../../scripts/headless-chromium.js';
import { dashboardScenario } from '../dashboards/scenario.js';
import { MCPTAP_BIN, REPO_ROOT } from '../local/support.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';

const KEEP_FOREVER = {
  tool_calls: 0,
  content_reads: 0,
  catalog_snapshots: 0,
  egress_events: 0,
  turns: 0,
  assistant_outputs: 0,
  prompt_logs: 0,
  alerts: 0,
};

describe('mcptap console on ClickHouse 18.16 as the read-only user', () => {
  const tenant = uniqueName('console_ch');
  const startMs = Math.floor((Date.now() - 3600_000) / 60_000) * 60_000;
  const scenario = dashboardScenario(tenant, `${tenant}_other`, startMs);
  let store: Store;
  let child: ChildProcess;
  let stderr = '';
  let url: string;
  let clickhouseUrl: string;

  before(async () => {
    const endpoints = await ensureInfra(['clickhouse']);
    clickhouseUrl = endpoints.clickhouseUrl;
    const database = uniqueName('console');
    store = await openStore({ url: endpoints.clickhouseUrl, username: 'default', password: '', database });
    await migrate(store, { retentionDays: KEEP_FOREVER });
    await new StoreWriter(store, { mask: maskSecrets }).write(scenario.records);
    child = spawn(process.execPath, [MCPTAP_BIN, 'console', '--listen', '127.0.0.1:0'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MCPTAP_CLICKHOUSE_URL: endpoints.clickhouseUrl,
        MCPTAP_CLICKHOUSE_DATABASE: database,
        MCPTAP_CLICKHOUSE_READER_USER: endpoints.clickhouseReader.username,
        MCPTAP_CLICKHOUSE_READER_PASSWORD: endpoints.clickhouseReader.password,
        MCPTAP_AUDIT_PUBLIC_KEY_FILE: '',
        MCPTAP_AUDIT_SIGNING_KEY_FILE: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    url = await waitFor(() => /mcptap console: (http:\S+?)\/ \(read-only\)/.exec(stderr)?.[1], {
      timeoutMs: 60_000,
      description: `mcptap console to listen (stderr: ${stderr})`,
    });
    assert.match(stderr, new RegExp(`reading ${database} on .* as ${endpoints.clickhouseReader.username}`));
  });
  after(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await store?.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
    await store?.client.close();
  });

  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/${path}`);
    assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
    return (await response.json()) as T;
  };

  it('answers every view from the server, secrets masked', async () => {
    const sessions = await get<{ sessions: { session_id: string; alerts: number }[]; rules: string[] }>(
      `sessions?tenant=${tenant}`,
    );
    assert.deepEqual(
      sessions.sessions.map((s) => s.session_id),
      [scenario.secondSession, scenario.session, `${tenant}-old`],
    );
    assert.deepEqual(sessions.rules, ['exfil_chain', 'ssrf_target', 'tool_poisoning']);
    const timeline = await get<{ entries: { table: string }[] }>(
      `sessions/${encodeURIComponent(scenario.session)}`,
    );
    assert.equal(timeline.entries.length, 16 + 4);
    const alert = await get<{ alert: { status: string }; evidence: unknown[] }>(`alerts/${tenant}-f3`);
    assert.equal(alert.alert.status, 'resolved');
    assert.equal(alert.evidence.length, 1);
    const servers = await get<{
      servers: { server_name: string; server_id: string; catalog_changes: number; approval: string }[];
    }>(`servers?tenant=${tenant}`);
    const files = servers.servers.find((s) => s.server_name === 'files')!;
    assert.equal(files.catalog_changes, 1);
    assert.equal(files.approval, 'no_policy', 'mcptap console without a policy judges no server');
    const history = await get<{ versions: { added: string[] }[] }>(
      `servers/${files.server_id}?tenant=${tenant}`,
    );
    assert.equal(history.versions.length, 3);
    const destinations = await get<{ destinations: { dest_host: string; sessions: string[] }[] }>(
      `destinations?tenant=${tenant}`,
    );
    assert.deepEqual(
      destinations.destinations.find((d) => d.dest_host === 'collect.evil.example')?.sessions,
      [scenario.session],
    );
    const everything = JSON.stringify([sessions, timeline, alert, servers, history, destinations]);
    assert.ok(!everything.includes(scenario.secret), 'an answer holds the planted secret unmasked');
  });

  it('renders a session’s timeline in chromium with each alert after its evidence', async () => {
    ensureChromium();
    const browser = await HeadlessChromium.launch();
    try {
      const page = await browser.newPage(1280, 900);
      await page.open(`${url}/#/sessions/${encodeURIComponent(scenario.session)}`);
      const entries = await page.evaluate<{ kind: string; text: string }[]>(
        `[...document.querySelectorAll('.timeline > li')].map((li) => ({ kind: li.dataset.kind, text: li.innerText }))`,
      );
      const exfil = entries.findIndex((e) => e.kind === 'alert' && e.text.includes('exfil_chain'));
      assert.ok(exfil > 0);
      assert.equal(entries[exfil - 1]!.kind, 'tool_call');
      assert.match(
        entries[exfil - 1]!.text,
        /web · fetch[\s\S]*evidence of exfil_chain[\s\S]*collect\.evil\.example/,
      );
      const text = entries.map((e) => e.text).join('\n');
      assert.ok(!text.includes(scenario.secret), 'the page shows the planted secret unmasked');
      assert.match(text, /\[SECRET:aws_access_key_id:[0-9a-f]+\]/);
    } finally {
      await browser.close();
    }
  });

  it('mcptap sessions reads the same server when MCPTAP_CLICKHOUSE_URL is set', async () => {
    const {
      code,
      stdout,
      stderr: err,
    } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const run = spawn(
        process.execPath,
        [MCPTAP_BIN, 'sessions', '--tenant', tenant, '--rule', 'ssrf_target', '--format', 'json'],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            MCPTAP_CLICKHOUSE_URL: clickhouseUrl,
            MCPTAP_CLICKHOUSE_DATABASE: store.database,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let errors = '';
      run.stdout.on('data', (c: Buffer) => (out += c.toString()));
      run.stderr.on('data', (c: Buffer) => (errors += c.toString()));
      run.on('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: errors }));
    });
    assert.equal(code, 0, err);
    const sessions = JSON.parse(stdout) as { session_id: string; rules: string[] }[];
    assert.deepEqual(
      sessions.map((s) => s.session_id),
      [scenario.session],
    );
    assert.ok(sessions[0]!.rules.includes('ssrf_target'));
  });

  it('shows the audit view: nothing sealed here, and without an audit public key it says it cannot verify and why', async () => {
    const log = await get<{ tenants: unknown[] }>(`audit?tenant=${tenant}`);
    assert.deepEqual(log.tenants, []);
    const verification = await get<{ report: unknown; cannot_verify: string }>(
      `audit/verify?tenant=${tenant}`,
    );
    assert.equal(verification.report, null);
    assert.match(
      verification.cannot_verify,
      /no audit public key is configured: set MCPTAP_AUDIT_PUBLIC_KEY_FILE/,
    );
  });

  it('refuses to write: only GET', async () => {
    const response = await fetch(`${url}/api/sessions`, { method: 'DELETE' });
    assert.equal(response.status, 405);
  });
});
