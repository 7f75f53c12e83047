// `mcptap local` end to end, as a developer runs it: the real command in its own process, hosts
// that configure nothing (`mcptap proxy` finds the endpoint and key in the data directory) wrapping
// the real server-filesystem and our web-fetch test server, spans through the shim's real OTLP
// exporter, embedded ClickHouse as the store, alerts in the terminal, to a webhook and to the real
// Alertmanager. Read back through `mcptap alerts`, `mcptap session` and `mcptap status`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { defaultRules, replayTranscript } from '../../detectors/index.js';
import { filesystemServer, testServer } from '../shim/support.js';
import { ensureInfra, fetchNotifications, infraEndpoints, uniqueName, waitFor } from '../support/infra.js';
import {
  countBy,
  hostEnv,
  mcptap,
  proxiedClient,
  startLocalProcess,
  storedAlerts,
  storedSession,
  type LocalProcess,
  type TimelineRow,
} from './support.js';

// A GitHub token shape: the detectors must mask it everywhere it could be shown.
const SECRET = 'ghp_' + 'Zx81Qw2Lr7Kp0Vb6Nm3Jt5Hy9Gf4Ds1Ae8Cu2'.slice(0, 36);

describe('mcptap local end to end (proxy with no configuration → embedded store, Alertmanager 0.25)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-local-e2e-'));
  const records = mkdtempSync(join(tmpdir(), 'mcptap-local-rec-'));
  const files = realpathSync(mkdtempSync(join(tmpdir(), 'mcptap-local-files-')));
  const benign = uniqueName('benign');
  const attack = uniqueName('attack');
  const webhookPath = `/${uniqueName('local-webhook')}`;
  const started = Date.now();
  let local: LocalProcess;
  const calls = { benign: 0, attack: 0 };

  before(async () => {
    await ensureInfra(['alertmanager', 'webhook']);
    const { alertmanagerUrl, webhookRecorderUrl } = infraEndpoints();
    local = await startLocalProcess(dataDir, [
      '--listen',
      '127.0.0.1:0',
      '--alertmanager',
      alertmanagerUrl,
      '--webhook',
      `${webhookRecorderUrl}${webhookPath}`,
    ]);

    writeFileSync(join(files, 'notes.txt'), 'Buy milk. Call the plumber on Tuesday.\n');
    const filesystem: Client = await proxiedClient(dataDir, 'files', benign, filesystemServer(files), {
      record: join(records, 'benign.jsonl'),
    });
    await filesystem.listTools();
    await filesystem.callTool({ name: 'read_text_file', arguments: { path: join(files, 'notes.txt') } });
    await filesystem.callTool({ name: 'list_directory', arguments: { path: files } });
    calls.benign = 2;
    await filesystem.close();

    const web: Client = await proxiedClient(dataDir, 'web', attack, testServer('web-fetch'), {
      record: join(records, 'attack.jsonl'),
      proxyArgs: ['--user', 'mallory-agent', '--team', 'red'],
    });
    await web.listTools();
    await web.callTool({ name: 'fetch_url', arguments: { url: 'https://example.org/changelog' } });
    await web.callTool({
      name: 'fetch_url',
      arguments: { url: `http://169.254.169.254/latest/meta-data/iam/security-credentials/?t=${SECRET}` },
    });
    calls.attack = 2;
    await web.close();
  });

  after(async () => {
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(records, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it('stores every event the proxies extracted, each once (replay of their transcripts gives the same)', async () => {
    for (const [session, file] of [
      [benign, 'benign.jsonl'],
      [attack, 'attack.jsonl'],
    ] as const) {
      const replayed = replayTranscript(readFileSync(join(records, file), 'utf8'), {
        rules: defaultRules(),
        tenant: 'local',
        hostId: 'test',
      });
      assert.deepEqual(replayed.errors, []);
      const expected = countBy(replayed.events, (e) => e.kind);
      let rows: TimelineRow[] = [];
      const same = () =>
        assert.deepEqual(
          countBy(rows, (r) => String(r.kind)),
          expected,
        );
      await waitFor(
        async () => {
          rows = (await storedSession(dataDir, session)).filter((r) => r.table !== 'alerts');
          same();
          return true;
        },
        { timeoutMs: 30_000, intervalMs: 500, description: `the store to hold every event of ${session}` },
      ).catch(() => undefined);
      same();
      assert.equal(new Set(rows.map((r) => r.event_id)).size, rows.length, 'no event stored twice');
      assert.ok(
        rows.every((r) => r.tenant === 'local'),
        'the tenant comes from the data directory key',
      );
    }
    // Identity: the OS user by default, the --user flag when given; on every stored event.
    const identities = async (session: string, table: 'events' | 'alerts') =>
      new Set(
        (await storedSession(dataDir, session))
          .filter((r) => (r.table === 'alerts') === (table === 'alerts'))
          .map((r) => `${r.user_id}|${r.team}|${r.user_source ?? '-'}`),
      );
    assert.deepEqual([...(await identities(benign, 'events'))], [`${userInfo().username}||os_user`]);
    assert.deepEqual([...(await identities(attack, 'events'))], ['mallory-agent|red|proxy_flag']);
    assert.deepEqual([...(await identities(attack, 'alerts'))], ['mallory-agent|red|-']);
    const text = await mcptap(['session', attack, '--data', dataDir], hostEnv(dataDir));
    assert.match(text.stdout, / — for mallory-agent \(team red, from proxy --user\)$/m);
    const benignCalls = (await storedSession(dataDir, benign)).filter((r) => r.kind === 'tool_call');
    assert.deepEqual(
      benignCalls.map((r) => r.tool),
      ['read_text_file', 'list_directory'],
    );
  });

  it('raises the SSRF alert for the attack session and stays silent for the benign one', async () => {
    const alerts = await waitFor(
      async () =>
        (await storedAlerts(dataDir, ['--session', attack])).filter((a) => a.rule === 'ssrf_target'),
      { timeoutMs: 30_000, intervalMs: 500, description: 'the ssrf_target alert in the store' },
    );
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.server_name, 'web');
    assert.equal(alerts[0]!.tool, 'fetch_url');
    assert.deepEqual(await storedAlerts(dataDir, ['--session', benign]), []);
    assert.ok(!JSON.stringify(alerts).includes(SECRET), 'the stored alert masks the token');
  });

  it('prints each alert as one terminal line with rule, severity, server, tool and session, secrets masked', async () => {
    const line = await waitFor(() => local.stdout.find((l) => l.includes('ssrf_target')), {
      timeoutMs: 10_000,
      description: 'the alert line',
    });
    assert.match(
      line,
      /^\d\d:\d\d:\d\d (HIGH|CRITICAL|MEDIUM)\s+ssrf_target {2}server=web tool=fetch_url session=/,
    );
    assert.ok(line.includes(`session=${attack}`));
    assert.ok(
      local.stdout.every((l) => !l.includes(benign)),
      'no alert line for the benign session',
    );
    assert.ok(
      local.stdout.every((l) => !l.includes(SECRET)) && local.stderr.every((l) => !l.includes(SECRET)),
    );
  });

  it('posts the alert to the webhook and to Alertmanager, which notifies its receiver', async () => {
    const hooked = await waitFor(
      async () =>
        (await fetchNotifications(started)).find(
          (n) => n.path === webhookPath && JSON.stringify(n.body).includes(attack),
        ),
      { timeoutMs: 20_000, intervalMs: 250, description: 'the webhook POST' },
    );
    const body = hooked.body as { source: string; alerts: { rule: string; session_id: string }[] };
    assert.equal(body.source, 'mcptap');
    assert.ok(body.alerts.some((a) => a.rule === 'ssrf_target' && a.session_id === attack));
    assert.ok(!JSON.stringify(body).includes(SECRET));

    const notified = await waitFor(
      async () =>
        (await fetchNotifications(started)).find((n) => {
          const alerts = (n.body as { alerts?: { labels?: Record<string, string> }[] }).alerts ?? [];
          return (
            n.path !== webhookPath &&
            alerts.some((a) => a.labels?.session === attack && a.labels?.alertname === 'ssrf_target')
          );
        }),
      { timeoutMs: 30_000, intervalMs: 500, description: 'the Alertmanager notification' },
    );
    assert.ok(notified);
    // The alert leads somewhere: the console's view of its session, its runbook section, its evidence.
    const posted = (
      notified.body as {
        alerts: {
          labels: Record<string, string>;
          annotations: Record<string, string>;
          generatorURL: string;
        }[];
      }
    ).alerts.find((a) => a.labels.session === attack && a.labels.alertname === 'ssrf_target');
    assert.ok(posted);
    assert.equal(posted.generatorURL, `http://127.0.0.1:4319/#/sessions/${encodeURIComponent(attack)}`);
    assert.equal(posted.annotations.runbook_url, 'detectors/RUNBOOKS.md#ssrf_target');
    assert.equal(posted.labels.user, 'mallory-agent');
    assert.equal(posted.labels.team, 'red');
    assert.match(posted.annotations.summary ?? '', /^ssrf_target: /);
    assert.match(posted.annotations.description ?? '', /Evidence events: \S+/);
    assert.ok(!JSON.stringify(notified.body).includes(SECRET), 'no secret reaches Alertmanager');
  });

  it('mcptap status shows what is watched', async () => {
    const { code, stdout } = await mcptap(
      ['status', '--data', dataDir, '--format', 'json'],
      hostEnv(dataDir),
    );
    assert.equal(code, 0);
    const status = JSON.parse(stdout) as {
      running: boolean;
      since_start: { servers: string[]; sessions: number; events: number; alerts: number };
      stored: { events: number; sessions: number; firing_alerts: number };
    };
    assert.equal(status.running, true);
    assert.deepEqual(status.since_start.servers, ['files', 'web']);
    assert.equal(status.since_start.sessions, 2);
    assert.ok(status.since_start.events >= calls.benign + calls.attack);
    assert.ok(status.since_start.alerts >= 1);
    assert.equal(status.stored.events, status.since_start.events);
    const text = await mcptap(['status', '--data', dataDir], hostEnv(dataDir));
    assert.match(text.stdout, /watching 2 servers \(files, web\) · 2 sessions · \d+ events · \d+ alerts?/);
  });

  it('mcptap servers lists the fleet with its approval against a policy', async () => {
    const policy = join(records, 'policy.yaml');
    writeFileSync(policy, 'version: 1\nservers:\n  - name: files\n    trust: first_party\n');
    const { code, stdout } = await mcptap(
      ['servers', '--data', dataDir, '--format', 'json', '--policy', policy],
      hostEnv(dataDir),
    );
    assert.equal(code, 0);
    const servers = JSON.parse(stdout) as Array<{
      server_name: string;
      hosts: string[];
      approval: string;
      trust: string;
      catalogs: Record<string, string>;
    }>;
    const byName = new Map(servers.map((s) => [s.server_name, s]));
    assert.deepEqual([...byName.keys()].sort(), ['files', 'web']);
    assert.equal(byName.get('files')?.approval, 'approved');
    assert.equal(byName.get('files')?.trust, 'first_party');
    assert.match(byName.get('files')?.catalogs.tools ?? '', /^[0-9a-f]{64}$/);
    assert.equal(byName.get('web')?.approval, 'unapproved_server');
    assert.equal(byName.get('files')?.hosts.length, 1);
    const text = await mcptap(['servers', '--data', dataDir], hostEnv(dataDir));
    assert.match(text.stdout, /^files .* no_policy .*versions /m);
  });

  it('a second mcptap local on the same data directory fails with a clear message and changes nothing', async () => {
    const before = await storedSession(dataDir, attack);
    const second = await mcptap(['local', '--data', dataDir, '--listen', '127.0.0.1:0'], hostEnv(dataDir));
    assert.equal(second.code, 3);
    assert.match(second.stderr, new RegExp(`in use by another mcptap process \\(pid ${local.child.pid}\\)`));
    assert.deepEqual(await storedSession(dataDir, attack), before);
  });

  it('stops on SIGTERM, and the read commands then open the store themselves', async () => {
    assert.equal(await local.stop('SIGTERM'), 0);
    const alerts = await storedAlerts(dataDir, ['--rule', 'ssrf_target']);
    assert.ok(alerts.some((a) => a.session_id === attack));
    const text = await mcptap(['session', attack, '--data', dataDir], hostEnv(dataDir));
    assert.equal(text.code, 0);
    assert.match(text.stdout, /fetch_url/);
    assert.ok(!text.stdout.includes(SECRET));
    const policy = join(records, 'pinned.yaml');
    const pin = await mcptap(
      ['policy', 'pin', '--server', 'files', '--trust', 'vetted', '--policy', policy, '--data', dataDir],
      hostEnv(dataDir),
    );
    assert.equal(pin.code, 0, pin.stderr);
    assert.match(pin.stdout, /pinned files \(vetted\)/);
    const servers = await mcptap(
      ['servers', '--data', dataDir, '--format', 'json', '--policy', policy],
      hostEnv(dataDir),
    );
    assert.equal(servers.code, 0);
    const approval = Object.fromEntries(
      (JSON.parse(servers.stdout) as Array<{ server_name: string; approval: string }>).map((s) => [
        s.server_name,
        s.approval,
      ]),
    );
    assert.deepEqual(approval, { files: 'approved', web: 'unapproved_server' });
    const status = await mcptap(['status', '--data', dataDir], hostEnv(dataDir));
    assert.equal(status.code, 1);
    assert.match(status.stdout, /not running/);
  });
});
