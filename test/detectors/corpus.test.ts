// The labelled corpus: every tune-split attack transcript raises its expected rules, tune benign
// transcripts raise nothing at medium or above, the holdout split is held to floors in aggregate, and the live tools/list catalogs of real MCP servers from npm (spawned
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
import { evalSplit } from '../../bench/eval-split.js';

const CORPUS = join(import.meta.dirname, '..', 'corpus');
const labels = JSON.parse(readFileSync(join(CORPUS, 'labels.json'), 'utf8')) as Record<
  string,
  // `open`: a known miss or false positive of a tune case, with why; reported as a todo, counted by the eval as usual.
  { threat: string; expect: string[]; open?: string }
>;
const rules = defaultRules();
const recall = new Map<string, { cases: number; detected: number }>();

/** What a transcript raises against its label: the expected rules that did not fire, or the loud alerts of a benign one. */
function replayCase(file: string, expect: readonly string[]): { wrong: string[]; fired: string[] } {
  const result = replayTranscript(readFileSync(join(CORPUS, file), 'utf8'), {
    rules,
    tenant: 'corpus',
    hostId: 'h',
  });
  assert.deepEqual(result.errors, []);
  const fired = [...new Set(result.alerts.map((a) => a.rule))];
  const wrong =
    expect.length === 0
      ? result.alerts.filter((a) => isAtLeast(a.severity, 'medium')).map((a) => `${a.rule}: ${a.summary}`)
      : expect.filter((rule) => !fired.includes(rule));
  return { wrong, fired };
}

const entries = Object.entries(labels);
for (const [file, label] of entries.filter(([file]) => evalSplit(file) === 'tune')) {
  const name = `${file}: ${label.expect.length > 0 ? `raises ${label.expect.join(', ')}` : 'raises nothing at medium or above'}`;
  test(name, { todo: label.open }, () => {
    const { wrong, fired } = replayCase(file, label.expect);
    const stat = recall.get(label.threat) ?? { cases: 0, detected: 0 };
    stat.cases++;
    if (wrong.length === 0) stat.detected++;
    recall.set(label.threat, stat);
    assert.deepEqual(wrong, [], label.expect.length > 0 ? `fired: ${fired.join(', ')}` : undefined);
  });
}

// The holdout split (bench/eval-split.ts; never read to write rules) is held in aggregate, its cases
// unnamed, to the floors the detectors reach on it today (2026-12-06: recall 16/19, false
// positives 3/33), so a change that loses ground fails. The issue's targets (recall 85 %, false positives 5 %) are not met yet;
// bench/RESULTS.md reports the gap.
const holdout = entries.filter(([file]) => evalSplit(file) === 'holdout');
const holdoutAttacks = holdout.filter(([, label]) => label.expect.length > 0);
const holdoutBenign = holdout.filter(([, label]) => label.expect.length === 0);
const wrongShare = (group: typeof holdout) =>
  group.filter(([file, label]) => replayCase(file, label.expect).wrong.length > 0).length / group.length;

test('holdout attack sessions: recall at least 80 % (target 85 %)', () => {
  const recallShare = 1 - wrongShare(holdoutAttacks);
  console.log(
    `# holdout attack sessions: ${Math.round(recallShare * holdoutAttacks.length)}/${holdoutAttacks.length} detected`,
  );
  assert.ok(recallShare >= 0.8, `${recallShare} of ${holdoutAttacks.length}`);
});

test('holdout benign sessions: at most 10 % raise an alert at medium or above (target 5 %)', () => {
  const falsePositives = wrongShare(holdoutBenign);
  console.log(
    `# holdout benign sessions: ${Math.round(falsePositives * holdoutBenign.length)}/${holdoutBenign.length} alerted`,
  );
  assert.ok(falsePositives <= 0.1, `${falsePositives} of ${holdoutBenign.length}`);
});

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
