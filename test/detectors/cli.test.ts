// The offline commands as an operator runs them: `mcptap lint-catalog` and `mcptap replay`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CATALOGS = join(ROOT, 'test', 'corpus', 'catalogs');
const TRANSCRIPTS = join(ROOT, 'test', 'corpus', 'transcripts');

function mcptap(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'mcptap.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('lint-catalog --format json lists findings and exits 1 on a poisoned catalog', () => {
  const r = mcptap('lint-catalog', '--format', 'json', join(CATALOGS, 'poisoned-organize-files.json'));
  assert.equal(r.code, 1, r.stderr);
  const findings = JSON.parse(r.stdout) as Array<{
    tool: string;
    field: string;
    rule: string;
    severity: string;
    excerpt: string;
  }>;
  assert.ok(
    findings.some((f) => f.tool === 'organize_files' && f.field === 'description' && f.rule === 'pseudo_tag'),
  );
  assert.deepEqual(Object.keys(findings[0] ?? {}).sort(), ['excerpt', 'field', 'rule', 'severity', 'tool']);
});

test('lint-catalog exits 0 on a clean JSON-RPC response, and --fail-on raises the bar', () => {
  assert.equal(mcptap('lint-catalog', join(CATALOGS, 'weather-v1.jsonrpc.json')).code, 0);
  assert.equal(
    mcptap('lint-catalog', '--fail-on', 'critical', join(CATALOGS, 'poisoned-organize-files.json')).code,
    0,
  );
});

test('lint-catalog exits 2 on unreadable or shapeless input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-cli-'));
  writeFileSync(join(dir, 'bad.json'), '{"not":"tools"}');
  assert.equal(mcptap('lint-catalog', join(dir, 'missing.json')).code, 2);
  assert.equal(mcptap('lint-catalog', join(dir, 'bad.json')).code, 2);
});

test('lint-catalog --baseline prints what changed and exits 1; 0 when equal', () => {
  const changed = mcptap(
    'lint-catalog',
    '--baseline',
    join(CATALOGS, 'weather-v1.jsonrpc.json'),
    join(CATALOGS, 'weather-v1-rugpulled.json'),
  );
  assert.equal(changed.code, 1);
  assert.match(changed.stdout, /added\s+exec_command/);
  assert.match(changed.stdout, /changed\s+get_weather\(inputSchema\)/);
  assert.match(changed.stdout, /gained\s+exec_command:exec/);
  const same = mcptap(
    'lint-catalog',
    '--baseline',
    join(CATALOGS, 'weather-v1.jsonrpc.json'),
    join(CATALOGS, 'weather-v1.jsonrpc.json'),
  );
  assert.equal(same.code, 0);
});

test('replay --format json prints one alert per line and reports malformed lines by number', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-cli-'));
  const lines = readFileSync(join(TRANSCRIPTS, 'seed-metadata-ssrf.jsonl'), 'utf8').trimEnd().split('\n');
  lines.splice(2, 0, '{not json');
  const path = join(dir, 'with-bad-line.jsonl');
  writeFileSync(path, lines.join('\n'));
  const r = mcptap('replay', '--format', 'json', path);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /with-bad-line\.jsonl:3: skipped/);
  const alerts = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const ssrf = alerts.find((a) => a.rule === 'ssrf_target');
  assert.ok(ssrf !== undefined);
  for (const key of ['rule', 'severity', 'session', 'server', 'tool', 'fingerprint', 'summary'])
    assert.ok(key in ssrf, key);
  assert.equal(ssrf.session, 'seed-metadata-ssrf');
});

test('replay never prints a secret it detected', () => {
  const r = mcptap('replay', '--format', 'json', join(TRANSCRIPTS, 'seed-poisoned-organize-files.jsonl'));
  assert.equal(r.code, 0);
  assert.ok(!r.stdout.includes('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ'));
  assert.match(r.stdout, /\[SECRET:private_key:[0-9a-f]{8}\]/);
});

test('replay exits 2 when no line of the file could be read, and 0 when some could', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-cli-'));
  const garbage = join(dir, 'garbage.jsonl');
  writeFileSync(garbage, '{not json\n\n["an array, not a transcript line"]\nplain text\n');
  const none = mcptap('replay', garbage);
  assert.equal(none.code, 2, none.stdout);
  assert.match(none.stderr, /garbage\.jsonl:1: skipped/);
  assert.match(none.stderr, /garbage\.jsonl:4: skipped/);
  assert.match(none.stderr, /nothing in .*garbage\.jsonl could be read \(3 malformed/);
  assert.equal(none.stdout, '');

  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '\n');
  assert.equal(mcptap('replay', empty).code, 2);

  const lines = readFileSync(join(TRANSCRIPTS, 'seed-metadata-ssrf.jsonl'), 'utf8').trimEnd().split('\n');
  const some = join(dir, 'some.jsonl');
  writeFileSync(some, ['{not json', lines[0], 'plain text'].join('\n'));
  const r = mcptap('replay', some);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /some\.jsonl:1: skipped/);
  assert.match(r.stderr, /some\.jsonl:3: skipped/);
  assert.match(r.stdout, /2 malformed line\(s\)/);
});
