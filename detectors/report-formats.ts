import { relative } from 'node:path';
import { isAtLeast, type Severity } from '../model/index.js';

/**
 * One report, five renderings: text for a person, JSON, SARIF 2.1.0 for code scanning, GitHub
 * Actions annotations and JUnit XML for CI. Shared by `mcptap lint-catalog` and `mcptap scan`.
 */

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'github', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(value: string | undefined): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value ?? '');
}

export interface ReportFinding {
  /** `catalog_lint.hidden_instructions`, `tool_shadowing`, `catalog_drift`, `server_unavailable` … */
  rule: string;
  severity: Severity;
  /** One line for a person: what was found where. */
  message: string;
  /** The evidence, masked, single line. */
  excerpt: string;
  /** What to do about it. */
  next_step: string;
  server: string;
  /** The tool, prompt or resource (or `(server instructions)`). */
  item: string;
  /** Where in the item, e.g. `description`, `inputSchema.properties.path.description`. */
  field: string;
  /** The config file (or catalog file) the finding points at, and the line of the server's entry. */
  file?: string;
  line?: number;
  /** Stable across runs while the item and the rule are the same. */
  fingerprint: string;
}

/** A group of checked items (a server): a JUnit test suite, a SARIF artifact. */
export interface ReportSuite {
  name: string;
  file?: string;
  items: string[];
  /** Why the items could not be checked (a server that did not start). */
  error?: string;
}

export interface Report {
  findings: ReportFinding[];
  suites: ReportSuite[];
  /** One line per rule for SARIF's rule list (`rule → help`). */
  ruleHelp: Record<string, string>;
  /** Extra lines the text format prints (drift summary, accepted findings …). */
  notes: string[];
}

/** The rule of a finding that a server could not be started and listed. */
export const UNAVAILABLE = 'server_unavailable';

export function failsAt(findings: readonly ReportFinding[], threshold: Severity): boolean {
  return findings.some((f) => isAtLeast(f.severity, threshold));
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

function formatText(report: Report): string {
  const lines: string[] = [];
  let lastPlace = '';
  for (const f of report.findings) {
    const place = `${f.file !== undefined ? `${displayPath(f.file)} → ` : ''}${f.server}`;
    if (place !== lastPlace) lines.push('', place);
    lastPlace = place;
    lines.push(`  ${f.severity.padEnd(8)} ${f.rule}  ${f.item}${f.field !== '' ? ` (${f.field})` : ''}`);
    lines.push(`           ${f.message}`);
    if (f.excerpt !== '' && f.excerpt !== f.message) lines.push(`           evidence: ${f.excerpt}`);
    if (f.next_step !== '') lines.push(`           what to do: ${f.next_step}`);
  }
  if (lines.length > 0) lines.push('');
  for (const note of report.notes) lines.push(note);
  const bySeverity = new Map<string, number>();
  for (const f of report.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  const counts = [...bySeverity].map(([s, n]) => `${n} ${s}`).join(', ');
  lines.push(`${report.findings.length} finding(s)${counts !== '' ? `: ${counts}` : ''}`);
  return lines.join('\n').replace(/^\n/, '');
}

function sarifLevel(severity: Severity): 'error' | 'warning' | 'note' {
  return isAtLeast(severity, 'high') ? 'error' : severity === 'medium' ? 'warning' : 'note';
}

/** SARIF's `security-severity` (GitHub orders code-scanning alerts by it). */
const SECURITY_SEVERITY: Record<Severity, string> = {
  info: '0.0',
  low: '2.0',
  medium: '5.0',
  high: '8.0',
  critical: '9.5',
};

function sarifUri(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? new URL(`file://${file}`).href : rel.split('\\').join('/');
}

function formatSarif(report: Report, version: string): string {
  const ruleIds = [
    ...new Set([...Object.keys(report.ruleHelp), ...report.findings.map((f) => f.rule)]),
  ].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const worst = new Map<string, Severity>();
  for (const f of report.findings) {
    const current = worst.get(f.rule);
    if (current === undefined || !isAtLeast(current, f.severity)) worst.set(f.rule, f.severity);
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mcptap',
            version,
            informationUri: 'https://github.com/mcptap/mcptap',
            rules: ruleIds.map((id) => ({
              id,
              name: id
                .replace(/[._](\w)/g, (_, c: string) => c.toUpperCase())
                .replace(/^\w/, (c) => c.toUpperCase()),
              shortDescription: { text: id.replace(/[._]/g, ' ') },
              help: { text: report.ruleHelp[id] ?? 'See detectors/RUNBOOKS.md.' },
              properties: {
                tags: ['security', 'mcp'],
                'security-severity': SECURITY_SEVERITY[worst.get(id) ?? 'medium'],
              },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: ruleIndex.get(f.rule) ?? 0,
          level: sarifLevel(f.severity),
          message: {
            text: `${f.message}${f.excerpt !== '' && f.excerpt !== f.message ? ` Evidence: ${f.excerpt}` : ''}${f.next_step !== '' ? ` What to do: ${f.next_step}` : ''}`,
          },
          locations: [
            {
              ...(f.file !== undefined
                ? {
                    physicalLocation: {
                      artifactLocation: { uri: sarifUri(f.file) },
                      region: { startLine: f.line ?? 1 },
                    },
                  }
                : {}),
              logicalLocations: [
                {
                  name: f.item,
                  fullyQualifiedName: [f.server, f.item, f.field].filter((p) => p !== '').join('/'),
                  kind: 'member',
                },
              ],
            },
          ],
          partialFingerprints: { 'mcptapFinding/v1': f.fingerprint },
          properties: { severity: f.severity, server: f.server, item: f.item, field: f.field },
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

/** Workflow-command escaping: data and property values differ (`,` and `:` only in properties). */
function ghData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function ghProperty(text: string): string {
  return ghData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function formatGithub(report: Report): string {
  const lines = report.findings.map((f) => {
    const command = isAtLeast(f.severity, 'high') ? 'error' : f.severity === 'medium' ? 'warning' : 'notice';
    const props = [
      ...(f.file !== undefined ? [`file=${ghProperty(displayPath(f.file))}`, `line=${f.line ?? 1}`] : []),
      `title=${ghProperty(`${f.rule} on ${f.server}/${f.item}`)}`,
    ];
    const body = `${f.message}${f.excerpt !== '' && f.excerpt !== f.message ? `\nEvidence: ${f.excerpt}` : ''}${f.next_step !== '' ? `\nWhat to do: ${f.next_step}` : ''}`;
    return `::${command} ${props.join(',')}::${ghData(body)}`;
  });
  lines.push(`${report.findings.length} finding(s)`);
  return lines.join('\n');
}

// XML 1.0 cannot carry most control characters, even escaped.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(NOT_XML, '\ufffd');
}

function formatJunit(report: Report): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const suites = report.suites.map((suite) => {
    // A server that did not start is the suite's error, not a failed item.
    const findings = report.findings.filter(
      (f) =>
        f.server === suite.name &&
        f.file === suite.file &&
        (suite.error === undefined || f.rule !== UNAVAILABLE),
    );
    const items = [...new Set([...suite.items, ...findings.map((f) => f.item)])];
    const cases = items.map((item) => {
      const failures = findings.filter((f) => f.item === item);
      const body = failures
        .map(
          (f) =>
            `      <failure type="${xml(f.rule)}" message="${xml(`${f.severity}: ${f.message}`)}">${xml(`${f.field}\n${f.excerpt}\n${f.next_step}`)}</failure>`,
        )
        .join('\n');
      return `    <testcase classname="${xml(suite.name)}" name="${xml(item)}"${body === '' ? '/>' : `>\n${body}\n    </testcase>`}`;
    });
    if (suite.error !== undefined)
      cases.push(
        `    <testcase classname="${xml(suite.name)}" name="(start)">\n      <error type="server_unavailable" message="${xml(suite.error)}"/>\n    </testcase>`,
      );
    const failureCount = items.filter((item) => findings.some((f) => f.item === item)).length;
    return {
      text: `  <testsuite name="${xml(suite.name)}"${suite.file !== undefined ? ` file="${xml(suite.file)}"` : ''} tests="${cases.length}" failures="${failureCount}" errors="${suite.error !== undefined ? 1 : 0}">\n${cases.join('\n')}\n  </testsuite>`,
      tests: cases.length,
      failures: failureCount,
      errors: suite.error !== undefined ? 1 : 0,
    };
  });
  const sum = (key: 'tests' | 'failures' | 'errors') => suites.reduce((n, s) => n + s[key], 0);
  out.push(
    `<testsuites name="mcptap" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}">`,
    ...suites.map((s) => s.text),
    '</testsuites>',
  );
  return out.join('\n');
}

export function formatReport(report: Report, format: ReportFormat, version = '0'): string {
  switch (format) {
    case 'text':
      return formatText(report);
    case 'json':
      return JSON.stringify({ findings: report.findings, suites: report.suites }, null, 2);
    case 'sarif':
      return formatSarif(report, version);
    case 'github':
      return formatGithub(report);
    case 'junit':
      return formatJunit(report);
  }
}
