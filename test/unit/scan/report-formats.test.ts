import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failsAt, formatReport, type Report } from '../../../detectors/report-formats.js';

const report: Report = {
  findings: [
    {
      rule: 'catalog_lint.pseudo_tag',
      severity: 'high',
      message: "Tool 'a,b' has <IMPORTANT> & more: see\nbelow",
      excerpt: '100% <x>',
      next_step: 'disable it',
      server: 's',
      item: 'a,b',
      field: 'description',
      file: '/abs/config.json',
      line: 7,
      fingerprint: 'f1',
    },
    {
      rule: 'server_unavailable',
      severity: 'low',
      message: 'did not start',
      excerpt: '',
      next_step: '',
      server: 'down',
      item: '(server)',
      field: '',
      fingerprint: 'f2',
    },
  ],
  suites: [
    { name: 's', file: '/abs/config.json', items: ['a,b', 'c'] },
    { name: 'down', items: [], error: 'exit 3' },
  ],
  ruleHelp: {},
  notes: [],
};

test('GitHub annotations escape properties and data, and map severity to error/notice', () => {
  const lines = formatReport(report, 'github').split('\n');
  assert.equal(
    lines[0],
    "::error file=/abs/config.json,line=7,title=catalog_lint.pseudo_tag on s/a%2Cb::Tool 'a,b' has <IMPORTANT> & more: see%0Abelow%0AEvidence: 100%25 <x>%0AWhat to do: disable it",
  );
  assert.match(lines[1] ?? '', /^::notice title=server_unavailable on down\/\(server\)::did not start$/);
});

test('JUnit escapes markup and counts failures per item and errors per server', () => {
  const xml = formatReport(report, 'junit');
  assert.match(xml, /<testsuites name="mcptap" tests="3" failures="1" errors="1">/);
  assert.match(xml, /message="high: Tool 'a,b' has &lt;IMPORTANT&gt; &amp; more: see&#10;below"/);
  assert.match(xml, /<testcase classname="s" name="c"\/>/);
  assert.ok(!/<IMPORTANT>/.test(xml));
});

test('SARIF maps severity to level and keeps the fingerprint', () => {
  const sarif = JSON.parse(formatReport(report, 'sarif')) as {
    runs: { results: { level: string; partialFingerprints: Record<string, string> }[] }[];
  };
  assert.deepEqual(
    sarif.runs[0]?.results.map((r) => [r.level, Object.values(r.partialFingerprints)[0]]),
    [
      ['error', 'f1'],
      ['note', 'f2'],
    ],
  );
});

test('fails at a threshold only when a finding reaches it', () => {
  assert.equal(failsAt(report.findings, 'high'), true);
  assert.equal(failsAt(report.findings, 'critical'), false);
});
