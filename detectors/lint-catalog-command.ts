import { readFileSync } from 'node:fs';
import { isAtLeast, SeveritySchema, type Severity } from '../model/index.js';
import { parseCommandArgs } from './command-args.js';
import { rulesFromEnv } from './config/rules-source.js';
import { lintCatalog, toolsOf, type LintFinding } from './lint/catalog-lint.js';
import { diffCatalogs } from './rules/catalog-drift.js';

const USAGE = `Usage: mcptap lint-catalog [--format text|json] [--fail-on SEVERITY] [--rules FILE] FILE
       mcptap lint-catalog --baseline OLD NEW

FILE is {"tools":[...]} or the JSON-RPC tools/list response carrying it.
Exit 0: no finding at or above --fail-on (default medium); 1: findings (or, with --baseline, a change); 2: unreadable input.`;

class InputError extends Error {}

function readTools(path: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const tools = toolsOf(value);
  if (tools === null)
    throw new InputError(`${path}: expected {"tools":[...]} or a tools/list JSON-RPC response`);
  return tools.filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null);
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
  if (!failOn.success || (values.format !== 'text' && values.format !== 'json')) {
    console.error(
      `mcptap lint-catalog: --fail-on takes info|low|medium|high|critical, --format text|json\n${USAGE}`,
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
    const findings = lintCatalog(readTools(path), rules);
    if (values.format === 'json') console.log(JSON.stringify(findings));
    else printText(findings);
    const threshold: Severity = failOn.data;
    return findings.some((f) => isAtLeast(f.severity, threshold)) ? 1 : 0;
  } catch (error) {
    console.error(`mcptap lint-catalog: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof InputError) console.error(USAGE);
    return 2;
  }
}
