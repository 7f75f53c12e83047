// The live detectors honour the reviewed-findings file: `mcptap replay` (the live detector code)
// with a rule file whose `accepted_findings` names it drops the accepted catalog-lint alert, keeps
// the others, and alerts again once the accepted tool's definition changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogItemHash, DEFAULT_RULES_PATH } from '../../detectors/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TRANSCRIPT = join(ROOT, 'test', 'corpus', 'transcripts', 'seed-poisoned-organize-files.jsonl');

function replay(path: string, rules?: string): { rule: string; tool: string; server: string }[] {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'cli', 'mcptap.ts'),
      'replay',
      '--format',
      'json',
      ...(rules ? ['--rules', rules] : []),
      path,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { rule: string; tool: string; server: string });
}

function organizerTool(lines: string[]): Record<string, unknown> {
  for (const line of lines) {
    const wire = JSON.parse(line) as {
      server: string;
      dir: string;
      msg: { result?: { tools?: Record<string, unknown>[] } };
    };
    const tool = wire.msg.result?.tools?.find((t) => t.name === 'organize_files');
    if (wire.server === 'organizer' && wire.dir === 's2c' && tool !== undefined) return tool;
  }
  throw new Error('organize_files not in the transcript');
}

test('replay drops a catalog-lint alert accepted in the rule file, and raises it again when the tool changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-accept-'));
  const lines = readFileSync(TRANSCRIPT, 'utf8').trimEnd().split('\n');
  const isPseudoTag = (a: { rule: string; tool: string; server: string }) =>
    a.rule === 'catalog_lint.pseudo_tag' && a.tool === 'organize_files' && a.server === 'organizer';

  const before = replay(TRANSCRIPT);
  assert.ok(before.some(isPseudoTag), JSON.stringify(before.map((a) => a.rule)));
  const othersBefore = before.filter((a) => a.rule.startsWith('catalog_lint.') && !isPseudoTag(a));
  assert.ok(othersBefore.length > 0, 'the transcript has other catalog-lint alerts to keep');

  const tool = organizerTool(lines);
  writeFileSync(
    join(dir, 'accepted.yaml'),
    [
      'accepted:',
      '  - rule: catalog_lint.pseudo_tag',
      '    server: organizer',
      '    item: organize_files',
      `    item_hash: ${catalogItemHash('organizer', 'tools', 'organize_files', tool)}`,
      '    reason: test fixture, reviewed',
      '    accepted_by: test',
      '',
    ].join('\n'),
  );
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, `${readFileSync(DEFAULT_RULES_PATH, 'utf8')}\naccepted_findings: accepted.yaml\n`);

  const accepted = replay(TRANSCRIPT, rules);
  assert.ok(!accepted.some(isPseudoTag), 'the accepted finding is dropped');
  for (const other of othersBefore)
    assert.ok(
      accepted.some((a) => a.rule === other.rule && a.tool === other.tool),
      `${other.rule} is kept`,
    );

  const changed = join(dir, 'changed.jsonl');
  writeFileSync(
    changed,
    lines
      .map((line) =>
        line.includes('"organize_files"') && line.includes('"s2c"')
          ? line.replace('Organize files', 'Organise files')
          : line,
      )
      .join('\n'),
  );
  assert.notEqual(readFileSync(changed, 'utf8'), lines.join('\n'), 'the description changed');
  assert.ok(replay(changed, rules).some(isPseudoTag), 'a changed tool re-opens the accepted finding');
});

test('a rule file naming an unreadable or invalid accept file is refused with the reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-accept-'));
  const rules = join(dir, 'rules.yaml');
  writeFileSync(rules, `${readFileSync(DEFAULT_RULES_PATH, 'utf8')}\naccepted_findings: missing.yaml\n`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'cli', 'mcptap.ts'), 'replay', '--rules', rules, TRANSCRIPT],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /accepted_findings: cannot read accepted findings .*missing\.yaml/);
  writeFileSync(
    join(dir, 'missing.yaml'),
    'accepted:\n  - rule: x\n    server: s\n    item: i\n    item_hash: abc\n',
  );
  const invalid = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'cli', 'mcptap.ts'), 'replay', '--rules', rules, TRANSCRIPT],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.notEqual(invalid.status, 0);
  assert.match(invalid.stderr, /item_hash/);
});
