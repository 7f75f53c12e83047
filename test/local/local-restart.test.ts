// `mcptap local` restarted in the middle of a session (the real command, SIGTERM, started again on
// the same data directory and port) while the host's proxies keep running: what was stored stays,
// the session continues, no event is stored twice, detector state survives — a chain started before
// the restart completes after it, and an alert already raised is not raised again.
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { filesystemServer, freePort, testServer } from '../shim/support.js';
import { uniqueName, waitFor } from '../support/infra.js';
import {
  proxiedClient,
  startLocalProcess,
  storedAlerts,
  storedSession,
  type LocalProcess,
  type TimelineRow,
} from './support.js';

const METADATA_URL = 'http://169.254.169.254/latest/meta-data/';

describe('mcptap local restarted mid-session', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-local-restart-'));
  const files = realpathSync(mkdtempSync(join(tmpdir(), 'mcptap-local-restart-files-')));
  const session = uniqueName('restart');
  const clients: Client[] = [];
  let first: LocalProcess;
  let second: LocalProcess;
  let beforeRestart: TimelineRow[] = [];
  let readEventId = '';

  const toolCalls = async () => (await storedSession(dataDir, session)).filter((r) => r.kind === 'tool_call');
  const storedCalls = (count: number): Promise<TimelineRow[]> =>
    waitFor(async () => ((await toolCalls()).length >= count ? toolCalls() : undefined), {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: `${count} tool calls of ${session} in the store`,
    });

  before(async () => {
    writeFileSync(join(files, '.env'), 'DATABASE_URL=postgres://app@db/app\n');
    const port = await freePort();
    const listen = ['--listen', `127.0.0.1:${port}`];
    first = await startLocalProcess(dataDir, listen);
    const fs = await proxiedClient(dataDir, 'files', session, filesystemServer(files));
    const web = await proxiedClient(dataDir, 'web', session, testServer('web-fetch'));
    clients.push(fs, web);

    await web.callTool({ name: 'fetch_url', arguments: { url: METADATA_URL } });
    await fs.callTool({ name: 'read_text_file', arguments: { path: join(files, '.env') } });
    beforeRestart = await storedCalls(2);
    readEventId = String(beforeRestart.find((r) => r.tool === 'read_text_file')?.event_id);
    await waitFor(() => first.stdout.some((l) => l.includes('ssrf_target')), {
      description: 'the SSRF alert line',
    });
    assert.equal(await first.stop('SIGTERM'), 0);

    second = await startLocalProcess(dataDir, listen);
    await web.callTool({ name: 'fetch_url', arguments: { url: 'https://paste.example.net/upload?id=7' } });
    await web.callTool({ name: 'fetch_url', arguments: { url: METADATA_URL } });
    await storedCalls(4);
  });

  after(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await second?.stop();
    await first?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it('keeps what was stored before the restart and stores the rest of the session, each event once', async () => {
    const rows = (await storedSession(dataDir, session)).filter((r) => r.table !== 'alerts');
    const ids = rows.map((r) => r.event_id);
    assert.equal(new Set(ids).size, ids.length, 'no event stored twice');
    for (const row of beforeRestart) assert.ok(ids.includes(row.event_id), `${row.event_id} kept`);
    assert.deepEqual(
      rows.filter((r) => r.kind === 'tool_call').map((r) => [r.server_name, r.tool]),
      [
        ['web', 'fetch_url'],
        ['files', 'read_text_file'],
        ['web', 'fetch_url'],
        ['web', 'fetch_url'],
      ],
    );
  });

  it('completes a chain whose first half came before the restart (exfil chain from the .env read)', async () => {
    const [exfil] = await waitFor(
      async () => {
        const alerts = await storedAlerts(dataDir, ['--session', session, '--rule', 'exfil_chain']);
        return alerts.length > 0 ? alerts : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, description: 'the exfil_chain alert' },
    );
    assert.ok(
      exfil!.evidence_event_ids.includes(readEventId),
      'its evidence is the read stored before the restart',
    );
    assert.match(exfil!.summary, /paste\.example\.net/);
    assert.ok(second.stdout.some((l) => l.includes('exfil_chain')));
  });

  it('does not raise again an alert raised before the restart', async () => {
    const ssrf = await storedAlerts(dataDir, ['--session', session, '--rule', 'ssrf_target']);
    assert.equal(ssrf.length, 1);
    assert.ok(first.stdout.some((l) => l.includes('ssrf_target')));
    assert.ok(
      !second.stdout.some((l) => l.includes('ssrf_target')),
      'no second SSRF alert line after the restart',
    );
  });
});
