// The forensic console in a real browser (Debian's chromium, headless, installed through
// scripts/infra.sh): the demo's traffic fills a store, `mcptap local` serves the console on it, and
// every view is loaded and read as a person would. A session of hostile content (markup in a tool
// result, a server name, a session id and an alert) must render as text. `mcptap sessions` reads the
// same store through the running local.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { capContent, isoTime, serverId, type Alert, type ToolCallEvent } from '../../model/index.js';
import { openLocalStore } from '../../local/index.js';
import { maskSecrets } from '../../secrets/index.js';
import { StoreWriter } from '../../storage/index.js';
import { ensureChromium, HeadlessChromium, type BrowserPage } from '../../scripts/headless-chromium.js';
import { runDemoStore } from '../../scripts/screenshots.js';
import { hostEnv, mcptap, startLocalProcess, type LocalProcess } from '../local/support.js';
import { waitFor } from '../support/infra.js';

const MARKUP = `<script>window.__pwned = 'script'</script><img src=x onerror="window.__pwned = 'img'"><b>bold</b>`;
const HOSTILE_SESSION = `hostile <img src=x onerror="window.__pwned='id'"> #/alerts?x=1 ü`;
const HOSTILE_SERVER = `evil<svg onload="window.__pwned='server'">`;

async function plantHostileSession(dataDir: string): Promise<void> {
  const opened = await openLocalStore(dataDir, 'console test');
  assert.ok(opened, `a store in ${dataDir}`);
  const time = Date.now();
  const server = {
    server_name: HOSTILE_SERVER,
    server_id: serverId({ name: HOSTILE_SERVER, endpoint: 'npx evil', version: '1' }),
    server_version: '1',
  };
  const call: ToolCallEvent = {
    kind: 'tool_call',
    event_id: 'hostile-call-1',
    time: isoTime(time),
    tenant: 'local',
    host_id: 'host<i>x</i>',
    session_id: HOSTILE_SESSION,
    turn_id: '',
    user_id: '',
    team: '',
    user_source: '',
    ...server,
    tool: `read<img src=x onerror="window.__pwned='tool'">`,
    request_id: '1',
    arguments: capContent(JSON.stringify({ path: MARKUP }), 4096),
    result: capContent(MARKUP, 4096),
    is_error: false,
    error_type: '',
    error_message: '',
    duration_ms: 3,
    request_bytes: 10,
    response_bytes: 10,
    chain_index: 1,
  };
  const alert: Alert = {
    fingerprint: 'hostile-fp',
    rule: 'injected_result',
    severity: 'high',
    status: 'firing',
    time: isoTime(time),
    tenant: 'local',
    host_id: call.host_id,
    session_id: HOSTILE_SESSION,
    user_id: '',
    team: '',
    ...server,
    tool: call.tool,
    evidence_event_ids: [call.event_id],
    summary: `result holds ${MARKUP}`,
    runbook: `<a href="javascript:window.__pwned='runbook'">click</a>`,
    details: { excerpt: MARKUP },
  };
  try {
    await new StoreWriter(opened.store, { mask: maskSecrets }).write([call, alert]);
  } finally {
    await opened.close();
  }
}

interface Seen {
  text: string;
  pwned: unknown;
  scripts: number;
  images: number;
  svgs: number;
}

const SEEN = `({ text: document.getElementById('view').innerText, pwned: window.__pwned ?? null,
  scripts: document.scripts.length, images: document.images.length,
  svgs: document.querySelectorAll('svg').length })`;

describe('console in headless chromium on the demo store, served by mcptap local', () => {
  let dataDir: string;
  let local: LocalProcess;
  let consoleUrl: string;
  let browser: HeadlessChromium;
  let page: BrowserPage;
  let exfilSession: string;

  before(async () => {
    ensureChromium();
    dataDir = await runDemoStore();
    await plantHostileSession(dataDir);
    local = await startLocalProcess(dataDir, ['--listen', '127.0.0.1:0'], {
      MCPTAP_LOCAL_CONSOLE_LISTEN: '127.0.0.1:0',
    });
    consoleUrl = await waitFor(
      () => /forensic console: (http:\S+?)\/?$/m.exec(local.stderr.join('\n'))?.[1],
      { timeoutMs: 30_000, intervalMs: 100, description: 'mcptap local to print the console address' },
    );
    const listed = (await (await fetch(`${consoleUrl}/api/sessions`)).json()) as {
      sessions: { session_id: string }[];
    };
    exfilSession = listed.sessions.find((s) => s.session_id.endsWith('-poisoned-organize-files'))!.session_id;
    browser = await HeadlessChromium.launch();
    page = await browser.newPage(1360, 900);
  });
  after(async () => {
    await browser?.close();
    await local?.stop();
    if (dataDir !== undefined) await rm(dirname(dataDir), { recursive: true, force: true });
  });

  it('lists the sessions with host, servers, events and alerts, and filters them', async () => {
    await page.open(`${consoleUrl}/#/sessions`);
    const rows = await page.evaluate<{ id: string; cells: string[] }[]>(
      `[...document.querySelectorAll('tr[data-session]')].map((tr) => ({ id: tr.dataset.session, cells: [...tr.cells].map((c) => c.innerText) }))`,
    );
    const names = rows.map((r) => r.id);
    for (const scenario of ['benign-work', 'poisoned-organize-files', 'rug-pull', 'metadata-ssrf']) {
      assert.ok(
        names.some((n) => n.endsWith(`-${scenario}`)),
        `session of ${scenario} listed: ${names.join(', ')}`,
      );
    }
    const rug = rows.find((r) => r.id.endsWith('-rug-pull'))!;
    assert.equal(rug.cells[2], 'demo-laptop');
    assert.match(rug.cells[3]!, /weather/);
    assert.match(rug.cells[5]!, /catalog_drift/);

    await page.open(`${consoleUrl}/#/sessions?search=RUG-PULL`);
    const filtered = await page.evaluate<string[]>(
      `[...document.querySelectorAll('tr[data-session]')].map((tr) => tr.dataset.session)`,
    );
    assert.deepEqual(filtered, [rug.id]);
    await page.open(`${consoleUrl}/#/sessions?rule=ssrf_target`);
    const bySsrf = await page.evaluate<string[]>(
      `[...document.querySelectorAll('tr[data-session]')].map((tr) => tr.dataset.session)`,
    );
    // The demo's two scenarios that reach an internal address: the metadata service and bob's config service.
    assert.deepEqual(
      bySsrf.map((id) => id.replace(/^.*-(metadata-ssrf|user-identity)$/, '$1')).sort(),
      ['metadata-ssrf', 'user-identity'],
      bySsrf.join(', '),
    );
  });

  it('shows a session’s timeline with the exfiltration alert next to the calls that caused it', async () => {
    await page.open(`${consoleUrl}/#/sessions/${encodeURIComponent(exfilSession)}`);
    const entries = await page.evaluate<{ kind: string; text: string; evidence: boolean }[]>(
      `[...document.querySelectorAll('.timeline > li')].map((li) => ({ kind: li.dataset.kind, text: li.innerText, evidence: li.classList.contains('evidence') }))`,
    );
    const kinds = new Set(entries.map((e) => e.kind));
    for (const kind of ['turn', 'prompt', 'catalog', 'tool_call', 'egress', 'assistant_output', 'alert']) {
      assert.ok(kinds.has(kind), `the timeline shows ${kind}: ${[...kinds].join(', ')}`);
    }
    const exfil = entries.findIndex((e) => e.kind === 'alert' && /exfil_chain/.test(e.text));
    assert.ok(exfil > 0, 'the exfil_chain alert is in the timeline');
    assert.match(entries[exfil]!.text, /What to do next/);
    let cause = exfil - 1;
    while (entries[cause]!.kind === 'alert') cause--;
    assert.ok(
      entries[cause]!.evidence && /evidence of .*exfil_chain/.test(entries[cause]!.text),
      `the entry before the alert is its evidence: ${entries[cause]!.text.slice(0, 200)}`,
    );
    const read = entries.find((e) => e.kind === 'tool_call' && /read_text_file/.test(e.text))!;
    assert.ok(read.evidence, 'the sensitive read is marked as evidence');
    assert.match(read.text, /ARGUMENTS[\s\S]*id_ed25519[\s\S]*RESULT/);
    assert.match(read.text, /\[SECRET:private_key:[0-9a-f]+\]/, 'the key read shows masked, as stored');
    assert.doesNotMatch(entries.map((e) => e.text).join('\n'), /BEGIN OPENSSH PRIVATE KEY/);
  });

  it('lists alerts by severity and shows one with its rule, runbook and evidence', async () => {
    await page.open(`${consoleUrl}/#/alerts?severity=critical`);
    const severities = await page.evaluate<string[]>(
      `[...document.querySelectorAll('tr[data-alert] td:nth-child(2)')].map((td) => td.innerText.trim())`,
    );
    assert.ok(severities.length >= 3, `critical alerts listed: ${severities.length}`);
    assert.ok(
      severities.every((s) => s === 'CRITICAL' || s === 'critical'),
      severities.join(', '),
    );

    await page.open(`${consoleUrl}/#/alerts?rule=exfil_chain`);
    const links = await page.evaluate<string[]>(
      `[...document.querySelectorAll('tr[data-alert] a[href^="#/alerts/"]')].map((a) => a.getAttribute('href'))`,
    );
    assert.ok(links.length >= 2, `exfil_chain alerts: ${links.length}`);
    await page.open(`${consoleUrl}/${links[0]}`);
    const seen = await page.evaluate<Seen & { evidence: number; sessionLink: string | null }>(
      `({ ...${SEEN}, evidence: document.querySelectorAll('.timeline > li.evidence').length,
          sessionLink: document.querySelector('.facts a[href^="#/sessions/"]')?.getAttribute('href') ?? null })`,
    );
    assert.match(seen.text, /^Alerts \/\s+exfil_chain\s+CRITICAL\s+FIRING/);
    assert.match(seen.text, /What to do next\s+\S.{20,}/);
    assert.match(seen.text, /Evidence \((\d+) of \1 events stored\)/);
    assert.ok(seen.evidence >= 2, `evidence events shown: ${seen.evidence}`);
    assert.ok(seen.sessionLink?.startsWith('#/sessions/'), 'the alert links its session');
  });

  it('shows the rug-pulled server’s catalog history with the changed description, before and after', async () => {
    await page.open(`${consoleUrl}/#/servers`);
    const weather = await page.evaluate<{ href: string; text: string }>(
      `(() => { const tr = document.querySelector('tr[data-server="weather"]'); return { href: tr.querySelector('a').getAttribute('href'), text: tr.innerText }; })()`,
    );
    assert.match(weather.text, /1 changed/i);
    await page.open(`${consoleUrl}/${weather.href}`);
    const diff = await page.evaluate<{ versions: number; added: string[]; before: string; after: string }>(
      `(() => { const d = document.querySelector('.field-diff[data-field="description"]');
        return { versions: document.querySelectorAll('section.version').length,
                 added: [...document.querySelectorAll('section.version .tag.added')].map((t) => t.innerText),
                 before: d.querySelector('.before').innerText, after: d.querySelector('.after').innerText }; })()`,
    );
    assert.equal(diff.versions, 2);
    assert.deepEqual(diff.added, ['run_diagnostics']);
    assert.doesNotMatch(diff.before, /IMPORTANT/);
    assert.match(diff.after, /<IMPORTANT>[\s\S]*credentials/);
  });

  it('lists egress destinations with counts, first and last seen, and the sessions that reached them', async () => {
    await page.open(`${consoleUrl}/#/destinations`);
    const relay = await page.evaluate<{ cells: string[]; sessions: string[] }>(
      `(() => { const tr = document.querySelector('tr[data-destination="collect.exfil-relay.example"]');
        return { cells: [...tr.cells].map((c) => c.innerText), sessions: [...tr.querySelectorAll('a')].map((a) => decodeURIComponent(a.getAttribute('href').slice('#/sessions/'.length))) }; })()`,
    );
    assert.equal(relay.cells[1], '2');
    assert.match(relay.cells[2]!, /assistant image/);
    assert.match(relay.cells[2]!, /tool argument/);
    assert.equal(relay.sessions.length, 2);
    assert.ok(relay.sessions.includes(exfilSession));
    assert.match(relay.cells[4]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('shows the audit log of the demo store, which the demo tampered: the edited and the deleted call, and what to do', async () => {
    await page.open(`${consoleUrl}/#/audit`);
    const seen = await page.evaluate<{
      verdict: string | null;
      verdictText: string;
      findings: { kind: string; cells: string[] }[];
      next: string;
      tenants: { tenant: string; segments: string[][]; latest: string }[];
    }>(
      `(() => { const v = document.querySelector('.verdict');
        return { verdict: v?.dataset.verdict ?? null, verdictText: v?.innerText ?? '',
          findings: [...document.querySelectorAll('tr[data-finding]')].map((tr) => ({ kind: tr.dataset.finding, cells: [...tr.cells].map((c) => c.innerText) })),
          next: document.querySelector('.next-steps')?.innerText ?? '',
          tenants: [...document.querySelectorAll('section.audit-tenant')].map((section) => ({ tenant: section.dataset.tenant,
            segments: [...section.querySelectorAll('tr[data-segment]')].map((tr) => [...tr.cells].map((c) => c.innerText)),
            latest: section.querySelector('.latest-checkpoint')?.innerText ?? '' })) }; })()`,
    );
    assert.equal(seen.verdict, 'tampered', seen.verdictText);
    assert.match(seen.verdictText, /^Tampered: \d+ findings?/);
    assert.match(seen.verdictText, /sealed rows? .* against file \S+checkpoints\.jsonl/);
    const edited = seen.findings.filter((f) => f.kind === 'edited_row');
    const deleted = seen.findings.filter((f) => f.kind === 'deleted_row');
    assert.equal(edited.length, 1, JSON.stringify(seen.findings));
    assert.equal(deleted.length, 1, JSON.stringify(seen.findings));
    // The demo's sessions are stored under its run's tenant, sealed by mcptap local's writer `local`.
    const demoTenant = edited[0]!.cells[1]!;
    for (const finding of [...edited, ...deleted]) {
      const [label, tenant, row, segment, range, message] = finding.cells;
      assert.match(label!, /^(EDITED|DELETED) ROW$/i);
      assert.equal(tenant, demoTenant);
      assert.match(row!, /^tool_calls\/\S+$/);
      assert.equal(segment!.replace(/#\d+$/, ''), `${demoTenant}/local`);
      assert.match(range!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d → \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.ok(message!.includes(row!), `the message names the row: ${message}`);
    }
    assert.match(edited[0]!.cells[5]!, /it was edited/);
    assert.match(deleted[0]!.cells[5]!, /it was deleted/);
    assert.match(seen.next, /What to do next[\s\S]*write access/);
    const demo = seen.tenants.find((t) => t.tenant === demoTenant);
    assert.ok(demo && demo.segments.length > 0, `the sealed segments of ${demoTenant} are listed`);
    for (const [id, range, rows, hash, keyId, sealedAt] of demo.segments) {
      assert.match(id!, /^local#\d+$/);
      assert.match(range!, / → /);
      assert.ok(Number(rows!.replace(/,/g, '')) > 0);
      assert.match(hash!, /^[0-9a-f]{12}$/);
      assert.match(keyId!, /^[0-9a-f]{16}$/);
      assert.match(sealedAt!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
    const keyIds = new Set(demo.segments.map((cells) => cells[4]));
    assert.equal(keyIds.size, 1, 'one signing key sealed the demo');
    assert.ok(demo.latest.endsWith(`key ${[...keyIds][0]}`), demo.latest);
    assert.match(
      demo.latest,
      /^local#\d+, sealed \S+ \S+ UTC, rows up to .* hash [0-9a-f]{12}, key [0-9a-f]{16}$/,
    );

    await page.open(`${consoleUrl}/#/audit?range=24h&tenant=${encodeURIComponent(demoTenant)}`);
    const recent = await page.evaluate<{ verdict: string | null; text: string }>(
      `({ verdict: document.querySelector('.verdict')?.dataset.verdict ?? null, text: document.getElementById('view').innerText })`,
    );
    assert.equal(recent.verdict, 'tampered', 'the demo’s rows are of the last 24 hours');
    assert.match(recent.text, /Verification \(last 24 hours\)/);
    assert.equal(recent.text.match(/^Tenant /gm)?.length, 1, 'only the tenant asked for');

    await page.open(`${consoleUrl}/#/audit?tenant=nobody`);
    const elsewhere = await page.evaluate<{ verdict: string | null; text: string }>(
      `({ verdict: document.querySelector('.verdict')?.dataset.verdict ?? null, text: document.getElementById('view').innerText })`,
    );
    assert.equal(elsewhere.verdict, 'intact', 'a tenant with nothing stored has nothing tampered');
    assert.match(elsewhere.text, /Nothing sealed yet/);
  });

  it('renders markup from tool content, names and alerts as text, in every view it reaches', async () => {
    const routes = [
      '#/sessions',
      `#/sessions/${encodeURIComponent(HOSTILE_SESSION)}`,
      '#/alerts',
      `#/alerts/hostile-fp`,
      '#/servers',
      '#/destinations',
      '#/audit',
    ];
    for (const route of routes) {
      await page.open(`${consoleUrl}/${route}`);
      const seen = await page.evaluate<Seen>(SEEN);
      assert.equal(seen.pwned, null, `${route}: markup ran`);
      assert.equal(seen.scripts, 1, `${route}: only the console's own script`);
      assert.equal(seen.images, 0, `${route}: an <img> was created`);
      assert.equal(seen.svgs, 0, `${route}: an <svg> was created`);
      if (route !== '#/servers' && route !== '#/destinations' && route !== '#/audit') {
        assert.ok(seen.text.includes('onerror='), `${route}: the markup is shown as text`);
      }
    }
    await page.open(`${consoleUrl}/#/sessions/${encodeURIComponent(HOSTILE_SESSION)}`);
    const text = await page.evaluate<string>(`document.getElementById('view').innerText`);
    assert.ok(text.includes(HOSTILE_SESSION), 'the session id is shown as it is');
    assert.ok(
      text.includes(`<script>window.__pwned = 'script'</script>`),
      'the tool result is shown as text',
    );
    await page.open(`${consoleUrl}/#/alerts/hostile-fp`);
    assert.equal(
      await page.evaluate<number>(`document.querySelectorAll('a[href^="javascript:"]').length`),
      0,
    );
  });

  it('mcptap sessions lists the same sessions through the running local, as text and JSON', async () => {
    const json = await mcptap(
      ['sessions', '--data', dataDir, '--format', 'json', '--search', 'rug-pull'],
      hostEnv(dataDir),
    );
    assert.equal(json.code, 0, json.stderr);
    const sessions = JSON.parse(json.stdout) as { session_id: string; servers: string[]; alerts: number }[];
    assert.equal(sessions.length, 1);
    assert.deepEqual(sessions[0]!.servers, ['weather']);
    assert.ok(sessions[0]!.alerts >= 2);

    const text = await mcptap(['sessions', '--data', dataDir, '--limit', '3'], hostEnv(dataDir));
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(
      lines[0]!,
      /^LAST ACTIVITY \(UTC\)\s+STARTED \(UTC\)\s+SESSION\s+HOST\s+USER\s+SERVERS\s+EVENTS\s+ALERTS$/,
    );
    assert.equal(lines.length, 4);

    const bad = await mcptap(['sessions', '--data', dataDir, '--limit', 'many'], hostEnv(dataDir));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--limit 'many' is not a number/);
  });

  it('answers only GET, only to loopback host names, and 404 with a hint elsewhere', async () => {
    const post = await fetch(`${consoleUrl}/api/sessions`, { method: 'POST' });
    assert.equal(post.status, 405);
    const missing = await fetch(`${consoleUrl}/api/nothing`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /try \/api\/sessions/);
    const page404 = await fetch(`${consoleUrl}/etc/passwd`);
    assert.equal(page404.status, 404);
    const rebound = await new Promise<number>((resolve, reject) => {
      const url = new URL(consoleUrl);
      import('node:http')
        .then(({ get }) =>
          get(
            {
              host: url.hostname,
              port: url.port,
              path: '/api/sessions',
              headers: { host: 'attacker.example' },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          ).on('error', reject),
        )
        .catch(reject);
    });
    assert.equal(rebound, 421);
    const index = await fetch(`${consoleUrl}/`);
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });
});
