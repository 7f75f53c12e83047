// `mcptap scan` on a config naming a server by "url": @modelcontextprotocol/server-everything in its
// Streamable HTTP mode on a loopback port, reached through the MCP SDK's client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
let server: ChildProcess | undefined;
let port = 0;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

before(async () => {
  port = await freePort();
  server = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js'),
      'streamableHttp',
    ],
    { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server-everything did not listen: ${seen}`)), 60_000);
    server?.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server?.on('exit', (code) => reject(new Error(`server-everything exited ${code}: ${seen}`)));
  });
});

after(() => {
  server?.kill();
});

test('scans a url server over Streamable HTTP: lists its tools, prompts and resources, flags nothing at medium+', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-scan-http-'));
  const config = join(dir, 'mcp.json');
  writeFileSync(
    config,
    JSON.stringify({ servers: { everything: { type: 'http', url: `http://127.0.0.1:${port}/mcp` } } }),
  );
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'cli', 'mcptap.ts'),
      'scan',
      config,
      '--pins',
      join(dir, 'pins.json'),
      '--format',
      'json',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as {
    findings: { rule: string }[];
    suites: { name: string; items: string[]; error?: string }[];
  };
  const suite = report.suites.find((s) => s.name === 'everything');
  assert.equal(suite?.error, undefined);
  assert.ok((suite?.items.length ?? 0) > 5, JSON.stringify(suite));
  assert.ok(!report.findings.some((f) => f.rule === 'server_unavailable'));
});
