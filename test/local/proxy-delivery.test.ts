// No silent loss between `mcptap proxy` and `mcptap local`: a proxy whose local is away, or whose
// key the local refuses, still forwards every message, says so once on stderr with the fix, and
// counts what it dropped; a proxy that delivers shows in `mcptap status` with what it sent. Real
// proxies wrapping the real server-filesystem, a real `mcptap local`.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ProxySeen } from '../../local/local-stats.js';
import { filesystemServer } from '../shim/support.js';
import { waitFor } from '../support/infra.js';
import { hostEnv, MCPTAP_BIN, mcptap, REPO_ROOT, startLocalProcess, type LocalProcess } from './support.js';

interface ProxyRun {
  stderr: string;
  stopLine: Record<string, unknown>;
}

/** A host using one proxied server-filesystem with the environment `env`; resolves once the proxy exited. */
async function runProxy(
  name: string,
  dataDir: string,
  files: string,
  untilStderr?: RegExp,
): Promise<ProxyRun> {
  const server = filesystemServer(files);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCPTAP_BIN, 'proxy', '--name', name, '--', server.command, ...(server.args ?? [])],
    cwd: REPO_ROOT,
    env: hostEnv(dataDir, {
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      MCPTAP_LOG_LEVEL: 'info',
    }),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'delivery-test-host', version: '1.0.0' });
  await client.connect(transport);
  const listed = await client.listTools();
  assert.ok(listed.tools.length > 0, 'the proxy forwards whatever happens to telemetry');
  for (let i = 0; i < 3; i++) await client.callTool({ name: 'list_directory', arguments: { path: files } });
  if (untilStderr !== undefined)
    await waitFor(() => untilStderr.test(stderr), { timeoutMs: 30_000, description: `${untilStderr}` });
  await client.close();
  const stopLine = await waitFor(
    () =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.msg === 'proxy stopped'),
    { timeoutMs: 15_000, description: 'the proxy to stop' },
  );
  return { stderr, stopLine };
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('proxy delivery to mcptap local (server-filesystem)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-delivery-'));
  const strangerDir = mkdtempSync(join(tmpdir(), 'mcptap-delivery-other-'));
  const goneDir = mkdtempSync(join(tmpdir(), 'mcptap-delivery-gone-'));
  const files = realpathSync(mkdtempSync(join(tmpdir(), 'mcptap-delivery-files-')));
  let local: LocalProcess;

  before(async () => {
    writeFileSync(join(files, 'a.txt'), 'a\n');
    local = await startLocalProcess(dataDir, ['--listen', '127.0.0.1:0']);
  });

  after(async () => {
    await local?.stop();
    for (const dir of [dataDir, strangerDir, goneDir, files]) rmSync(dir, { recursive: true, force: true });
  });

  it('with no mcptap local answering: says so once with the fix, and counts every span it dropped', async () => {
    // What a crashed local leaves: its endpoint file, naming a port nobody listens on.
    const url = `http://127.0.0.1:${await closedPort()}`;
    writeFileSync(
      join(goneDir, 'local.json'),
      JSON.stringify({ pid: 1, url, controlUrl: url, startedAt: '' }),
    );
    const run = await runProxy('files', goneDir, files, /telemetry is being dropped/);
    const advice = run.stderr.split('\n').filter((line) => line.includes('telemetry is being dropped'));
    assert.equal(advice.length, 1, `said once:\n${run.stderr}`);
    assert.match(advice[0] ?? '', new RegExp(`no mcptap local answers at ${url}`));
    assert.match(advice[0] ?? '', /set MCPTAP_DATA_DIR .* "env" in the host's MCP config/);
    assert.ok(Number(run.stopLine.spans_dropped) > 0, `drops counted: ${JSON.stringify(run.stopLine)}`);
    assert.equal(run.stopLine.spans_delivered, 0);
  });

  it('with the key refused (401): says so once naming the data directory, and counts the drops', async () => {
    // A host whose servers lost MCPTAP_DATA_DIR: another directory, its own key, the same endpoint.
    copyFileSync(join(dataDir, 'local.json'), join(strangerDir, 'local.json'));
    const run = await runProxy('files', strangerDir, files, /telemetry is being dropped/);
    const advice = run.stderr.split('\n').filter((line) => line.includes('telemetry is being dropped'));
    assert.equal(advice.length, 1, `said once:\n${run.stderr}`);
    assert.match(advice[0] ?? '', /refused the key of .*\(HTTP 401\)/);
    assert.ok(!advice[0]?.includes(readKey(strangerDir)), 'the key itself is never printed');
    assert.ok(Number(run.stopLine.spans_dropped) > 0);
  });

  it('delivering: no warning, nothing dropped, and `mcptap status` lists the proxy', async () => {
    const run = await runProxy('files-ok', dataDir, files);
    assert.doesNotMatch(run.stderr, /telemetry is being dropped/);
    assert.equal(run.stopLine.spans_dropped, 0);
    assert.ok(Number(run.stopLine.spans_delivered) > 0);
    const { code, stdout } = await mcptap(
      ['status', '--data', dataDir, '--format', 'json'],
      hostEnv(dataDir),
    );
    assert.equal(code, 0);
    const status = JSON.parse(stdout) as { since_start: { proxies: ProxySeen[] } };
    const seen = status.since_start.proxies.find((p) => p.server === 'files-ok');
    assert.ok(seen, `listed: ${stdout}`);
    assert.equal(seen.session, String(run.stopLine.session));
    assert.equal(seen.spans_dropped, 0);
    assert.equal(seen.spans_delivered, run.stopLine.spans_delivered);
    assert.ok(seen.events > 0);
    const text = await mcptap(['status', '--data', dataDir], hostEnv(dataDir));
    assert.match(
      text.stdout,
      /files-ok · session \S+ · host \S+ · last contact \d+ s ago · \d+ events received · none dropped/,
    );
  });
});

function readKey(dir: string): string {
  return readFileSync(join(dir, 'api-key'), 'utf8').trim();
}
