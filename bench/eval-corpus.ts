/**
 * The evaluation of catalog analysis: every catalog corpus — the published external one (read in
 * place, never copied into the repo), our own (`test/corpus/catalogs`) and the captured catalogs of
 * real servers (`test/corpus/real-servers`) — linted with the shipped rules; recall on attack
 * catalogs and false positives on benign ones at medium or above, per corpus and threat class, the
 * `tune` and `holdout` split of `eval-split.ts` apart, and the time per text.
 *
 * Usage: node --import tsx bench/eval-corpus.ts [--verbose]
 *   --verbose lists what each TUNE case raised (holdout cases are counted, never shown).
 *   MCPTAP_EVAL_CORPUS overrides the published corpus path.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAtLeast } from '../model/index.js';
import { defaultRules, lintCatalog, toolsOf, type LintFinding } from '../detectors/index.js';
import { proseTexts, scoreSentence, shippedScorer } from '../detectors/lint/learned-scorer.js';
import { splitSentences } from '../detectors/lint/sentence-functions.js';
import { evalSplit, type EvalSplit } from './eval-split.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface CatalogCase {
  corpus: string;
  /** Path relative to the corpus root, as the split hashes it. */
  path: string;
  split: EvalSplit;
  attack: boolean;
  /** Threat class of an attack, `benign` otherwise. */
  technique: string;
  /** The batch the case was written in (`fresh-6`), when its label names one. */
  batch?: string;
  tools: unknown[];
  instructions: string;
}

/** A printable table; the session evaluation returns the same shape so one command can join both. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

interface Labels {
  [path: string]: { technique?: string; batch?: string };
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

function instructionsOf(value: unknown): string {
  return typeof value === 'object' && value !== null && 'instructions' in value
    ? String((value as { instructions: unknown }).instructions ?? '')
    : '';
}

/** A labelled corpus laid out as `attack/*.json`, `benign/*.json` and `labels.json`. */
function labelledCorpus(corpus: string, root: string): CatalogCase[] {
  if (!existsSync(join(root, 'labels.json'))) return [];
  const labels = readJson(join(root, 'labels.json')) as Labels;
  const cases: CatalogCase[] = [];
  for (const kind of ['attack', 'benign'] as const) {
    for (const file of readdirSync(join(root, kind))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const path = `${kind}/${file}`;
      const value = readJson(join(root, path));
      cases.push({
        corpus,
        path,
        split: evalSplit(path),
        attack: kind === 'attack',
        technique:
          kind === 'attack' ? (labels[path]?.technique ?? labels[file]?.technique ?? 'unlabelled') : 'benign',
        ...(labels[path]?.batch === undefined ? {} : { batch: labels[path].batch }),
        tools: toolsOf(value) ?? [],
        instructions: instructionsOf(value),
      });
    }
  }
  return cases;
}

/** Captured `tools/list` of real servers (`scripts/harvest-catalogs.ts`): benign by construction. */
function realServerCorpus(root: string): CatalogCase[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const value = readJson(join(root, file));
      return {
        corpus: 'real-servers',
        path: file,
        split: evalSplit(file),
        attack: false,
        technique: 'benign',
        tools: toolsOf(value) ?? [],
        instructions: instructionsOf(value),
      };
    });
}

export function catalogCases(): CatalogCase[] {
  const published =
    process.env.MCPTAP_EVAL_CORPUS ?? join(repo, '..', 'shared', 'corpora', 'published', 'catalogs');
  return [
    ...labelledCorpus('published', published),
    ...labelledCorpus('own', join(repo, 'test', 'corpus', 'catalogs')),
    ...realServerCorpus(join(repo, 'test', 'corpus', 'real-servers')),
  ];
}

function countTexts(value: unknown): number {
  if (typeof value === 'string') return 1;
  if (Array.isArray(value)) return value.reduce((n: number, item) => n + countTexts(item), 0);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).reduce((n, [, item]) => n + countTexts(item), 0);
  }
  return 0;
}

interface Tally {
  cases: number;
  flagged: number;
}

const percent = (t: Tally) => (t.cases === 0 ? '-' : `${((100 * t.flagged) / t.cases).toFixed(0)} %`);
const cell = (t: Tally | undefined) => (t === undefined ? '-' : `${t.flagged}/${t.cases} (${percent(t)})`);

/**
 * Lints every case and tabulates recall (attacks flagged) and false positives (benign catalogs
 * flagged) at medium or above. `onCase` sees each TUNE case with its findings (never a holdout one).
 */
export async function evaluateCatalogs(
  onCase?: (c: CatalogCase, findings: LintFinding[]) => void,
): Promise<Table> {
  const rules = defaultRules();
  const cases = catalogCases();
  const tallies = new Map<string, Tally>();
  const bump = (key: string, flagged: boolean) => {
    const t = tallies.get(key) ?? { cases: 0, flagged: 0 };
    t.cases++;
    if (flagged) t.flagged++;
    tallies.set(key, t);
  };
  let texts = 0;
  const started = process.hrtime.bigint();
  for (const c of cases) {
    const findings = lintCatalog(c.tools, rules, c.instructions).filter((f) =>
      isAtLeast(f.severity, 'medium'),
    );
    texts += countTexts(c.tools) + (c.instructions === '' ? 0 : 1);
    const flagged = findings.length > 0;
    const kind = c.attack ? 'attack' : 'benign';
    bump(`${c.corpus}|${kind}|${c.split}`, flagged);
    bump(`all|${kind}|${c.split}`, flagged);
    if (c.attack) bump(`${c.corpus}|${c.technique}|${c.split}`, flagged);
    if (c.batch !== undefined) bump(`${c.corpus}|batch ${c.batch} ${kind}|${c.split}`, flagged);
    if (c.split === 'tune') onCase?.(c, findings);
  }
  const micros = Number(process.hrtime.bigint() - started) / 1000;
  const corpora = [...new Set(cases.map((c) => c.corpus))];
  const rows: string[][] = [];
  for (const corpus of [...corpora, 'all']) {
    for (const kind of ['attack', 'benign']) {
      const tune = tallies.get(`${corpus}|${kind}|tune`);
      const holdout = tallies.get(`${corpus}|${kind}|holdout`);
      if (tune === undefined && holdout === undefined) continue;
      rows.push([
        corpus,
        kind === 'attack' ? 'recall (attacks)' : 'false positives (benign)',
        cell(tune),
        cell(holdout),
      ]);
    }
  }
  for (const corpus of corpora) {
    const techniques = [
      ...new Set(cases.filter((c) => c.corpus === corpus && c.attack).map((c) => c.technique)),
    ];
    for (const technique of techniques.sort()) {
      rows.push([
        corpus,
        `  recall: ${technique}`,
        cell(tallies.get(`${corpus}|${technique}|tune`)),
        cell(tallies.get(`${corpus}|${technique}|holdout`)),
      ]);
    }
  }
  // A batch written after the rules it is measured on: how the rules carry to wording they never saw.
  for (const key of [...new Set(cases.map((c) => (c.batch === undefined ? '' : `${c.corpus}|${c.batch}`)))]) {
    if (key === '') continue;
    const [corpus, batch] = key.split('|') as [string, string];
    for (const kind of ['attack', 'benign']) {
      rows.push([
        corpus,
        `  batch ${batch}: ${kind === 'attack' ? 'recall' : 'false positives'}`,
        cell(tallies.get(`${corpus}|batch ${batch} ${kind}|tune`)),
        cell(tallies.get(`${corpus}|batch ${batch} ${kind}|holdout`)),
      ]);
    }
  }
  const scorer = learnedScorerCost(cases, rules);
  return {
    title: 'Catalog analysis (findings at medium or above)',
    columns: ['corpus', 'measure', 'tune', 'holdout'],
    rows,
    notes: [
      `${cases.length} catalogs, ${texts} texts, ${(micros / Math.max(texts, 1)).toFixed(1)} µs per text (whole lint, one pass, includes warm-up)`,
      `learned scorer alone: ${scorer.texts} prose texts, ${scorer.microsPerText.toFixed(1)} µs per prose text (sentence split, features, score)`,
    ],
  };
}

/** The learned scorer's own share of the lint's cost, on every prose text of every catalog. */
function learnedScorerCost(
  cases: CatalogCase[],
  rules: ReturnType<typeof defaultRules>,
): { texts: number; microsPerText: number } {
  const model = shippedScorer();
  const texts = cases.flatMap((c) => [
    ...proseTexts(c.tools),
    ...(c.instructions === '' ? [] : [c.instructions]),
  ]);
  const started = process.hrtime.bigint();
  for (const text of texts) for (const s of splitSentences(text)) scoreSentence(s.text, rules, model);
  const micros = Number(process.hrtime.bigint() - started) / 1000;
  return { texts: texts.length, microsPerText: micros / Math.max(texts.length, 1) };
}

export function formatTable(table: Table): string {
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [table.title, line(table.columns), ...table.rows.map(line), ...table.notes].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const verbose = process.argv.includes('--verbose');
  const table = await evaluateCatalogs(
    verbose
      ? (c, findings) => {
          const wrong = c.attack ? findings.length === 0 : findings.length > 0;
          const what = findings.map((f) => `${f.tool}.${f.field}:${f.rule}(${f.severity}) ${f.excerpt}`);
          console.log(
            `${wrong ? '✗' : '✓'} ${c.corpus}/${c.path} [${c.technique}] ${what.length > 0 ? `\n    ${what.join('\n    ')}` : '(nothing)'}`,
          );
        }
      : undefined,
  );
  console.log(formatTable(table));
}
