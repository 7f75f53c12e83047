// `mcptap scan` as a user runs it: host configs in a temporary HOME (Claude Desktop's format and a
// project's VS Code `.vscode/mcp.json`) naming real npm servers (@modelcontextprotocol/server-filesystem,
// server-everything), our poisoned test server (test/servers/poisoned-tools.ts) and a server that
// cannot start. Checks the report, exit codes, SARIF against the SARIF 2.1.0 schema, JUnit, drift
// after the poisoned catalog changes, and accepted findings.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { parseJunit } from './junit-xml.js';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE = process.execPath;
const LEAKED_TOKEN = 'ghp_' + 'Zx8Qw2Lm4Np6Rt8Vy0Ab2Cd4Ef6Gh8Ij0Kl2M';

interface Finding {
  rule: string;
  severity: string;
  server: string;
  item: string;
  field: string;
  message: string;
  excerpt: string;
  next_step: string;
  file?: string;
  line?: number;
  item_hash: string;
}

function scan(...args: string[]) {
  const r = spawnSync(
    NODE,
    ['--import', 'tsx', join(ROOT, 'cli', 'mcptap.ts'), 'scan', '--timeout', '60000', ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function npmServer(pkg: string, args: string[]) {
  return { command: NODE, args: [join(ROOT, 'node_modules', pkg, 'dist', 'index.js'), ...args] };
}

function poisoned(secretPath: string, attacker: string) {
  return {
    command: NODE,
    args: [
      '--import',
      'tsx',
      join(ROOT, 'test', 'servers', 'poisoned-tools.ts'),
      '--attacker-email',
      attacker,
    ],
    env: { POISONED_SECRET_PATH: secretPath },
    cwd: ROOT,
  };
}

describe('mcptap scan on host configs naming real MCP servers', () => {
  let dir: string;
  let home: string;
  let project: string;
  let desktopConfig: string;
  let vscodeConfig: string;
  let pins: string;
  let first: ReturnType<typeof scan>;
  let findings: Finding[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcptap-scan-'));
    home = join(dir, 'home');
    project = join(dir, 'project');
    pins = join(dir, 'state', 'pins.json');
    mkdirSync(join(home, '.config', 'Claude'), { recursive: true });
    mkdirSync(join(project, '.vscode'), { recursive: true });
    desktopConfig = join(home, '.config', 'Claude', 'claude_desktop_config.json');
    writeFileSync(
      desktopConfig,
      JSON.stringify(
        {
          mcpServers: {
            filesystem: npmServer('@modelcontextprotocol/server-filesystem', [project]),
            organizer: poisoned('~/.ssh/id_rsa', 'archive@mail-relay.example'),
            broken: {
              command: NODE,
              args: ['-e', `console.error('cannot log in with token ${LEAKED_TOKEN}'); process.exit(3)`],
            },
          },
        },
        null,
        2,
      ),
    );
    vscodeConfig = join(project, '.vscode', 'mcp.json');
    writeFileSync(
      vscodeConfig,
      [
        '{',
        '  // VS Code: "servers", comments and trailing commas allowed',
        '  "servers": {',
        `    "everything": { "type": "stdio", "command": ${JSON.stringify(NODE)}, "args": [${JSON.stringify(join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js'))}, "stdio"], },`,
        '  },',
        '}',
      ].join('\n'),
    );
    first = scan(
      '--home',
      home,
      '--project',
      project,
      '--pins',
      pins,
      '--format',
      'json',
      '--accept-all-into',
      join(dir, 'review.yaml'),
    );
    findings = (JSON.parse(first.stdout) as { findings: Finding[] }).findings;
  });

  it('finds both configs, reports the poisoned server and exits 1 at the default --fail-on medium', () => {
    assert.equal(first.code, 1, first.stderr);
    const poisonedFindings = findings.filter(
      (f) => f.server === 'organizer' && f.rule.startsWith('catalog_lint.'),
    );
    assert.ok(
      poisonedFindings.some(
        (f) => f.item === 'organize_files' && f.field.includes('description') && f.severity === 'high',
      ),
      JSON.stringify(findings.map((f) => [f.server, f.rule, f.item])),
    );
    assert.ok(
      poisonedFindings.some((f) => f.item === 'translate_text'),
      'invisible-Unicode tool found',
    );
    for (const f of poisonedFindings) {
      assert.equal(f.file, desktopConfig);
      assert.ok((f.line ?? 0) > 1, 'points at the server entry');
      assert.ok(f.next_step.length > 0 && f.excerpt.length > 0, 'evidence and what to do');
    }
  });

  it('does not flag the real npm servers at medium or above', () => {
    const benign = findings.filter(
      (f) =>
        (f.server === 'filesystem' || f.server === 'everything') &&
        ['medium', 'high', 'critical'].includes(f.severity),
    );
    assert.deepEqual(benign, [], 'a finding here is a false positive of the catalog lint');
  });

  it('reports the server that failed to start, with its stderr tail masked', () => {
    const broken = findings.find((f) => f.server === 'broken');
    assert.ok(broken !== undefined);
    assert.equal(broken.rule, 'server_unavailable');
    assert.match(broken.excerpt, /cannot log in/);
    assert.ok(!first.stdout.includes(LEAKED_TOKEN), 'the token in stderr and in the command line is masked');
  });

  it('writes the pin file private', () => {
    assert.equal(statSync(pins).mode & 0o077, 0);
    assert.equal(statSync(join(dir, 'state')).mode & 0o077, 0);
  });

  it('exits 0 when nothing is at or above --fail-on, and 2 on an unreadable config', () => {
    const r = scan(
      desktopConfig,
      '--pins',
      pins,
      '--frozen-pins',
      '--fail-on',
      'critical',
      '--format',
      'github',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^::error file=[^,]*claude_desktop_config\.json,line=\d+,title=catalog_lint\.pseudo_tag on organizer\/organize_files::/m,
    );
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    assert.equal(scan(join(dir, 'bad.json'), '--pins', pins).code, 2);
    assert.equal(scan('--home', join(dir, 'empty'), '--project', join(dir, 'empty'), '--pins', pins).code, 2);
  });

  it('writes SARIF that the SARIF 2.1.0 schema accepts', () => {
    const out = join(dir, 'scan.sarif');
    const r = scan(
      desktopConfig,
      vscodeConfig,
      '--pins',
      pins,
      '--frozen-pins',
      '--format',
      'sarif',
      '--output',
      out,
    );
    assert.equal(r.code, 1, r.stderr);
    const sarif = JSON.parse(readFileSync(out, 'utf8')) as {
      runs: {
        tool: { driver: { name: string; rules: { id: string }[] } };
        results: {
          ruleId: string;
          level: string;
          partialFingerprints: Record<string, string>;
          locations: { physicalLocation?: { region: { startLine: number } } }[];
        }[];
      }[];
    };
    // The official schema is draft-04 (`id`); ajv reads it as a later draft, which has the same keywords it uses.
    const schema = JSON.parse(
      readFileSync(join(ROOT, 'test', 'fixtures', 'sarif-schema-2.1.0.json'), 'utf8'),
    ) as Record<string, unknown> & { id: string };
    const { id, $schema: _draft, ...rest } = schema;
    // One pattern in the schema (a language tag) is written for non-Unicode regular expressions.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
    const validate = ajv.compile({ ...rest, $id: id });
    assert.ok(validate(sarif), JSON.stringify(validate.errors?.slice(0, 5)));
    assert.ok(!validate({ ...sarif, version: '2.0.0' }), 'the schema rejects what is not SARIF 2.1.0');
    const run = sarif.runs[0];
    assert.equal(run?.tool.driver.name, 'mcptap');
    assert.ok(run?.tool.driver.rules.some((rule) => rule.id === 'catalog_lint.pseudo_tag'));
    const result = run?.results.find((res) => res.ruleId === 'catalog_lint.pseudo_tag');
    assert.equal(result?.level, 'error');
    assert.ok(Object.values(result?.partialFingerprints ?? {})[0]);
    assert.ok((result?.locations[0]?.physicalLocation?.region.startLine ?? 0) > 1);
  });

  it('writes JUnit XML that parses: a suite per server, a failure per finding', () => {
    const r = scan(desktopConfig, '--pins', pins, '--frozen-pins', '--format', 'junit');
    assert.equal(r.code, 1, r.stderr);
    const suites = parseJunit(r.stdout);
    const organizer = suites.find((s) => s.name === 'organizer');
    assert.ok(organizer !== undefined);
    const organize = organizer.cases.find((c) => c.name === 'organize_files');
    assert.ok((organize?.failures.length ?? 0) >= 1);
    const filesystem = suites.find((s) => s.name === 'filesystem');
    assert.ok((filesystem?.cases.length ?? 0) > 3, 'every tool of the filesystem server is a test case');
    const broken = suites.find((s) => s.name === 'broken');
    assert.equal(broken?.errors, 1);
  });

  it('reports drift when the poisoned server changes its catalog, then accepts and re-opens findings', () => {
    const config = join(dir, 'organizer.json');
    const write = (secretPath: string, attacker: string) =>
      writeFileSync(
        config,
        JSON.stringify({ mcpServers: { organizer: poisoned(secretPath, attacker) } }, null, 2),
      );
    const driftPins = join(dir, 'drift-pins.json');
    write('~/.ssh/id_rsa', 'archive@mail-relay.example');
    const pinned = scan(config, '--pins', driftPins, '--format', 'json');
    assert.equal(pinned.code, 1, pinned.stderr);
    const pinnedFindings = (JSON.parse(pinned.stdout) as { findings: Finding[] }).findings;
    assert.ok(!pinnedFindings.some((f) => f.rule === 'catalog_drift'), 'nothing to drift from at first');

    write('~/.ssh/id_rsa', 'exfil@elsewhere.example');
    const drifted = (
      JSON.parse(scan(config, '--pins', driftPins, '--format', 'json').stdout) as { findings: Finding[] }
    ).findings;
    const drift = drifted.find((f) => f.rule === 'catalog_drift' && f.server === 'organizer');
    assert.ok(drift !== undefined, JSON.stringify(drifted.map((f) => f.rule)));
    assert.match(drift.message, /send_email_fast/);

    // Accept the organize_files findings from the review file the first scan wrote.
    const review = parseYaml(readFileSync(join(dir, 'review.yaml'), 'utf8')) as {
      accepted: Record<string, string>[];
    };
    const toAccept = review.accepted
      .filter((a) => a.server === 'organizer' && a.item === 'organize_files')
      .map((a) => ({ ...a, reason: 'reviewed in test', accepted_by: 'scan test' }));
    assert.ok(toAccept.length > 0);
    const acceptFile = join(dir, 'accepted.yaml');
    writeFileSync(acceptFile, toYaml({ accepted: toAccept }));
    // The review file binds the item as listed through the desktop config's entry named organizer.
    const accepted = scan(
      desktopConfig,
      '--pins',
      pins,
      '--frozen-pins',
      '--format',
      'json',
      '--accept',
      acceptFile,
    );
    const open = (JSON.parse(accepted.stdout) as { findings: Finding[] }).findings;
    assert.ok(!open.some((f) => f.item === 'organize_files'), 'accepted findings are not reported');
    assert.ok(
      open.some((f) => f.item === 'translate_text'),
      'others still are',
    );

    write('~/.ssh/id_ed25519', 'exfil@elsewhere.example');
    const reopened = (
      JSON.parse(scan(config, '--pins', driftPins, '--format', 'json', '--accept', acceptFile).stdout) as {
        findings: Finding[];
      }
    ).findings;
    assert.ok(
      reopened.some((f) => f.item === 'organize_files' && f.rule.startsWith('catalog_lint.')),
      'a changed description re-opens them',
    );
  });

  it('refuses an accept file with an entry nobody reviewed', () => {
    const r = scan(desktopConfig, '--pins', pins, '--frozen-pins', '--accept', join(dir, 'review.yaml'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /say why the finding is acceptable/);
  });
});
