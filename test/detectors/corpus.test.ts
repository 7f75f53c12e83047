// The labelled corpus: every attack transcript raises its expected rules, benign transcripts raise
// nothing at medium or above, and the live tools/list catalogs of real MCP servers from npm (spawned
// over stdio with the MCP SDK client) lint clean at medium and above.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { isAtLeast } from '../../model/index.js';
import { defaultRules, lintCatalog, replayTranscript } from '../../detectors/index.js';

const CORPUS = join(import.meta.dirname, '..', 'corpus');
const labels = JSON.parse(readFileSync(join(CORPUS, 'labels.json'), 'utf8')) as Record<
  string,
  // `open`: a known miss or false positive, with why; reported as a todo (the eval counts it as usual).
  { threat: string; expect: string[]; open?: string }
>;
const rules = defaultRules();
const recall = new Map<string, { cases: number; detected: number }>();

for (const [file, label] of Object.entries(labels)) {
  const name = `${file}: ${label.expect.length > 0 ? `raises ${label.expect.join(', ')}` : 'raises nothing at medium or above'}`;
  test(name, { todo: label.open }, () => {
    const result = replayTranscript(readFileSync(join(CORPUS, file), 'utf8'), {
      rules,
      tenant: 'corpus',
      hostId: 'h',
    });
    assert.deepEqual(result.errors, []);
    const fired = new Set(result.alerts.map((a) => a.rule));
    const stat = recall.get(label.threat) ?? { cases: 0, detected: 0 };
    stat.cases++;
    if (label.expect.length === 0) {
      const loud = result.alerts.filter((a) => isAtLeast(a.severity, 'medium'));
      assert.deepEqual(
        loud.map((a) => `${a.rule}: ${a.summary}`),
        [],
      );
      stat.detected++;
    } else {
      const missing = label.expect.filter((rule) => !fired.has(rule));
      if (missing.length === 0) stat.detected++;
      recall.set(label.threat, stat);
      assert.deepEqual(missing, [], `fired: ${[...fired].join(', ')}`);
    }
    recall.set(label.threat, stat);
  });
}

const require = createRequire(import.meta.url);
const workDir = mkdtempSync(join(tmpdir(), 'mcptap-corpus-'));
after(() => {
  rmSync(workDir, { recursive: true, force: true });
  for (const [threat, s] of [...recall].sort()) console.log(`# corpus ${threat}: ${s.detected}/${s.cases}`);
});

function bin(pkg: string, path: string): string {
  return join(require.resolve(`${pkg}/package.json`).replace(/package\.json$/, ''), path);
}

// Servers that start without credentials; env values are dummies some servers want present.
const SERVERS: Array<{ pkg: string; path: string; args?: string[]; env?: Record<string, string> }> = [
  { pkg: '@modelcontextprotocol/server-everything', path: 'dist/index.js' },
  { pkg: '@modelcontextprotocol/server-filesystem', path: 'dist/index.js', args: [workDir] },
  {
    pkg: '@modelcontextprotocol/server-memory',
    path: 'dist/index.js',
    env: { MEMORY_FILE_PATH: join(workDir, 'memory.json') },
  },
  { pkg: '@modelcontextprotocol/server-sequential-thinking', path: 'dist/index.js' },
  { pkg: '@modelcontextprotocol/server-github', path: 'dist/index.js' },
  {
    pkg: '@modelcontextprotocol/server-postgres',
    path: 'dist/index.js',
    args: ['postgresql://127.0.0.1:1/none'],
  },
  { pkg: '@upstash/context7-mcp', path: 'dist/index.js' },
  { pkg: '@notionhq/notion-mcp-server', path: 'bin/cli.mjs' },
  { pkg: '@playwright/mcp', path: 'cli.js', args: ['--headless'] },
];

let totalTools = 0;
for (const server of SERVERS) {
  test(`real server ${server.pkg}: live tools/list lints clean at medium and above`, async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [bin(server.pkg, server.path), ...(server.args ?? [])],
      env: { PATH: process.env.PATH ?? '', HOME: workDir, ...server.env },
      stderr: 'ignore',
    });
    const client = new Client({ name: 'mcptap-corpus', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.length > 0, 'the server listed no tools');
      totalTools += tools.length;
      const loud = lintCatalog(tools, rules).filter((f) => isAtLeast(f.severity, 'medium'));
      console.log(`# ${server.pkg}: ${tools.length} tools, ${loud.length} findings >= medium`);
      assert.deepEqual(
        loud.map((f) => `${f.tool}.${f.field} ${f.rule}: ${f.excerpt}`),
        [],
      );
    } finally {
      await client.close();
    }
  });
}

test('the real servers listed a plausible number of tools', () => {
  console.log(`# real servers: ${SERVERS.length}, tools: ${totalTools}`);
  assert.ok(totalTools >= SERVERS.length * 2);
});
