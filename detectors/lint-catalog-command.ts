import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  canonicalHash,
  isAtLeast,
  SeveritySchema,
  type Severity,
  errorMessage,
  isRecord,
} from '../model/index.js';
import { parseCommandArgs } from './command-args.js';
import { rulesFromEnv } from './config/rules-source.js';
import { lintCatalog, toolsOf, type LintFinding } from './lint/catalog-lint.js';
import { catalogLintDetector } from './rules/catalog-lint-detector.js';
import { diffCatalogs } from './rules/catalog-drift.js';
import { formatReport, isReportFormat, REPORT_FORMATS, type Report } from './report-formats.js';

const USAGE = `Usage: mcptap lint-catalog [--format ${REPORT_FORMATS.join('|')}] [--fail-on SEVERITY] [--rules FILE] FILE
       mcptap lint-catalog --baseline OLD NEW

FILE is {"tools":[...]} or the JSON-RPC tools/list response carrying it; "prompts", "resources" and
"instructions" beside "tools" are linted too. sarif, github and junit are for CI (mcptap scan has
the same); json is the list of findings.
Exit 0: no finding at or above --fail-on (default medium); 1: findings (or, with --baseline, a change); 2: unreadable input.`;

class InputError extends Error {}

function readJson(path: string): { text: string; value: unknown } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${errorMessage(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not JSON: ${errorMessage(error)}`);
  }
  return { text, value };
}

function readTools(path: string): Record<string, unknown>[] {
  const tools = toolsOf(readJson(path).value);
  if (tools === null)
    throw new InputError(`${path}: expected {"tools":[...]} or a tools/list JSON-RPC response`);
  return tools.filter(isRecord);
}

/** Tools, and the prompts, resources and instructions captured beside them. */
function lintFile(path: string, rules: ReturnType<typeof rulesFromEnv>): LintFinding[] {
  const { value } = readJson(path);
  const body = isRecord(value) && isRecord(value.result) ? value.result : value;
  const tools = readTools(path);
  const listed = (key: string): Record<string, unknown>[] =>
    isRecord(body) && Array.isArray(body[key]) ? (body[key] as unknown[]).filter(isRecord) : [];
  const instructions = isRecord(body) && typeof body.instructions === 'string' ? body.instructions : '';
  return [
    ...lintCatalog(tools, rules, instructions),
    ...lintCatalog(listed('prompts'), rules),
    ...lintCatalog(listed('resources'), rules),
  ];
}

/** The line of an item's `"name": "…"` in the file, for CI annotations. */
function lineOfItem(text: string, name: string): number {
  const at = text.indexOf(`"name": ${JSON.stringify(name)}`);
  const loose = at >= 0 ? at : text.indexOf(JSON.stringify(name));
  return loose < 0 ? 1 : text.slice(0, loose).split('\n').length;
}

function lintReport(path: string, findings: readonly LintFinding[], items: string[]): Report {
  const { text } = readJson(path);
  const runbook = catalogLintDetector.runbooks.catalog_lint ?? '';
  return {
    findings: findings.map((f) => ({
      rule: `catalog_lint.${f.rule}`,
      severity: f.severity,
      message: `'${f.tool}' has ${f.rule.replace(/_/g, ' ')} in ${f.field}.`,
      excerpt: f.excerpt,
      next_step: runbook,
      server: basename(path),
      item: f.tool,
      field: f.field,
      file: path,
      line: lineOfItem(text, f.tool),
      fingerprint: canonicalHash({ rule: f.rule, item: f.tool, field: f.field, excerpt: f.excerpt }).slice(
        0,
        32,
      ),
    })),
    suites: [{ name: basename(path), file: path, items }],
    ruleHelp: {},
    notes: [],
  };
}

function printText(findings: readonly LintFinding[]): void {
  for (const f of findings)
    console.log(`${f.severity.padEnd(8)} ${f.rule.padEnd(18)} ${f.tool} ${f.field}\n         ${f.excerpt}`);
  console.log(`${findings.length} finding(s)`);
}

export async function lintCatalogMain(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'lint-catalog',
    argv,
    {
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string', default: 'medium' },
      baseline: { type: 'boolean', default: false },
      rules: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
  );
  if (parsed === null) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const failOn = SeveritySchema.safeParse(values['fail-on']);
  if (!failOn.success || !isReportFormat(values.format)) {
    console.error(
      `mcptap lint-catalog: --fail-on takes info|low|medium|high|critical, --format ${REPORT_FORMATS.join('|')}\n${USAGE}`,
    );
    return 2;
  }
  try {
    const rules = rulesFromEnv(values.rules);
    if (values.baseline) {
      const [oldPath, newPath] = positionals;
      if (oldPath === undefined || newPath === undefined)
        throw new InputError('--baseline needs OLD and NEW');
      const diff = diffCatalogs(readTools(oldPath), readTools(newPath), rules);
      const changed = diff.added.length + diff.removed.length + diff.changed.length > 0;
      if (values.format === 'json') console.log(JSON.stringify({ has_changes: changed, ...diff }));
      else if (!changed) console.log('no change');
      else {
        for (const name of diff.added) console.log(`added    ${name}`);
        for (const name of diff.removed) console.log(`removed  ${name}`);
        for (const name of diff.changed) console.log(`changed  ${name}`);
        for (const gain of diff.gained) console.log(`gained   ${gain}`);
      }
      return changed ? 1 : 0;
    }
    const [path] = positionals;
    if (path === undefined) throw new InputError('no FILE given');
    const findings = lintFile(path, rules);
    if (values.format === 'json') console.log(JSON.stringify(findings));
    else if (values.format === 'text') printText(findings);
    else {
      const items = readTools(path).map((t) => String(t.name ?? ''));
      console.log(formatReport(lintReport(path, findings, items), values.format));
    }
    const threshold: Severity = failOn.data;
    return findings.some((f) => isAtLeast(f.severity, threshold)) ? 1 : 0;
  } catch (error) {
    console.error(`mcptap lint-catalog: ${errorMessage(error)}`);
    if (error instanceof InputError) console.error(USAGE);
    return 2;
  }
}
