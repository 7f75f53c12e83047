// `mcptap scan` over the whole catalog, with host configs found where Cursor and VS Code keep them
// in a temporary HOME: Cursor's `~/.cursor/mcp.json` names our server whose poisoned entries are
// not tools (test/servers/poisoned-catalog.ts: server instructions, a prompt, a resource and a
// resource template), VS Code's user `settings.json` (`mcp.servers`) names the real
// @modelcontextprotocol/server-memory. Every place a telemetry target could come from (the OTLP
// and mcptap collector variables, a `mcptap local` endpoint file in the data directory) points at a
// recorder, which must hear nothing: a scan sends no catalog anywhere.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeLocalEndpoint } from '../../shim/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE = process.execPath;

interface Finding {
  rule: string;
  severity: string;
  server: string;
  item: string;
  kind: string;
  field: string;
  file?: string;
}
interface Report {
  findings: Finding[];
  suites: { name: string; file: string; items: string[] }[];
}

let dir: string;
let recorder: Server;
const heard: string[] = [];
let cursorConfig: string;
let vscodeSettings: string;
let exitCode: number;
let report: Report;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mcptap-scan-catalog-'));
  const home = join(dir, 'home');
  const dataDir = join(dir, 'data');
  cursorConfig = join(home, '.cursor', 'mcp.json');
  vscodeSettings = join(home, '.config', 'Code', 'User', 'settings.json');
  mkdirSync(join(home, '.cursor'), { recursive: true });
  mkdirSync(join(home, '.config', 'Code', 'User'), { recursive: true });
  mkdirSync(dataDir, { mode: 0o700 });
  writeFileSync(
    cursorConfig,
    JSON.stringify({
      mcpServers: {
        notes: {
          command: NODE,
          args: ['--import', 'tsx', join(ROOT, 'test', 'servers', 'poisoned-catalog.ts')],
          cwd: ROOT,
        },
      },
    }),
  );
  writeFileSync(
    vscodeSettings,
    [
      '{',
      '  "editor.fontSize": 13,',
      '  "mcp": {',
      '    "servers": {',
      `      "memory": { "command": ${JSON.stringify(NODE)}, "args": [${JSON.stringify(join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js'))}], "env": { "MEMORY_FILE_PATH": ${JSON.stringify(join(dir, 'memory.jsonl'))} } },`,
      '    },',
      '  },',
      '}',
    ].join('\n'),
  );

  recorder = createServer((req, res) => {
    heard.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(recorder.address() as { port: number }).port}`;
  writeLocalEndpoint(dataDir, {
    pid: process.pid,
    url,
    controlUrl: url,
    startedAt: new Date().toISOString(),
  });

  // Asynchronously: the recorder answering in this process must be able to hear a request.
  const run = promisify(execFile)(
    NODE,
    [
      '--import',
      'tsx',
      join(ROOT, 'cli', 'mcptap.ts'),
      'scan',
      '--home',
      home,
      '--project',
      join(dir, 'no-project'),
      '--pins',
      join(dir, 'pins.json'),
      '--timeout',
      '60000',
      '--format',
      'json',
    ],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        MCPTAP_DATA_DIR: dataDir,
        MCPTAP_COLLECTOR_URL: url,
        MCPTAP_API_KEY: 'scan-must-not-send',
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces`,
      },
    },
  );
  const result = await run.then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
  );
  exitCode = result.code;
  report = JSON.parse(result.stdout) as Report;
});

after(async () => {
  await new Promise((resolve) => recorder?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('finds the Cursor and VS Code user configs and lists every entry of each server', () => {
  const suite = (name: string) => report.suites.find((s) => s.name === name);
  assert.equal(suite('notes')?.file, cursorConfig);
  assert.deepEqual(suite('notes')?.items.sort(), [
    '(server instructions)',
    'handbook',
    'page',
    'search_notes',
    'summarize_notes',
  ]);
  assert.equal(suite('memory')?.file, vscodeSettings);
  assert.ok((suite('memory')?.items.length ?? 0) > 0, 'server-memory listed its tools');
});

test('reports the poisoned instructions, prompt, resource and resource template, and exits 1', () => {
  const flagged = (item: string, kind: string) =>
    report.findings.filter(
      (f) =>
        f.server === 'notes' &&
        f.item === item &&
        f.kind === kind &&
        f.rule.startsWith('catalog_lint.') &&
        (f.severity === 'high' || f.severity === 'critical'),
    );
  assert.ok(flagged('(server instructions)', 'instructions').length > 0, 'the server instructions');
  assert.ok(flagged('summarize_notes', 'prompts').length > 0, 'the prompt');
  assert.ok(flagged('handbook', 'resources').length > 0, 'the resource');
  assert.ok(flagged('page', 'resources').length > 0, 'the resource template');
  assert.deepEqual(
    report.findings.filter((f) => f.item === 'search_notes'),
    [],
    'the plain tool is not flagged',
  );
  assert.equal(exitCode, 1);
});

test('flags nothing on the real npm server', () => {
  assert.deepEqual(
    report.findings.filter((f) => f.server === 'memory'),
    [],
  );
});

test('sends nothing: the telemetry targets in its environment heard no request', () => {
  assert.deepEqual(heard, []);
});
