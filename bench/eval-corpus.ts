/**
 * Evaluates catalog lint against the published external corpus (a development set, never copied
 * into the repo): recall per technique on the attack catalogs, findings on the benign ones.
 * Usage: node --import tsx bench/eval-corpus.ts [--verbose]   (MCPTAP_EVAL_CORPUS overrides the path)
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAtLeast } from '../model/index.js';
import { defaultRules, lintCatalog, toolsOf, type LintFinding } from '../detectors/index.js';

const root =
  process.env.MCPTAP_EVAL_CORPUS ??
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpora', 'published', 'catalogs');
const verbose = process.argv.includes('--verbose');
const labels = JSON.parse(readFileSync(join(root, 'labels.json'), 'utf8')) as Record<
  string,
  { technique: string; tool?: string | null }
>;
const rules = defaultRules();

const perTechnique = new Map<string, { total: number; hit: number; missed: string[] }>();
let benignFiles = 0;
let benignTools = 0;
const benignFindings: Array<{ file: string; finding: LintFinding }> = [];

for (const kind of ['attack', 'benign'] as const) {
  for (const file of readdirSync(join(root, kind))
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const tools = toolsOf(JSON.parse(readFileSync(join(root, kind, file), 'utf8'))) ?? [];
    const findings = lintCatalog(tools, rules).filter((f) => isAtLeast(f.severity, 'medium'));
    if (kind === 'benign') {
      benignFiles++;
      benignTools += tools.length;
      for (const finding of findings) benignFindings.push({ file, finding });
      continue;
    }
    const technique = labels[file]?.technique ?? 'unlabelled';
    const stat = perTechnique.get(technique) ?? { total: 0, hit: 0, missed: [] };
    stat.total++;
    if (findings.length > 0) stat.hit++;
    else stat.missed.push(file);
    perTechnique.set(technique, stat);
    if (verbose)
      console.log(`${file}: ${findings.map((f) => `${f.tool}.${f.field}:${f.rule}`).join(', ') || 'MISSED'}`);
  }
}

let total = 0;
let hit = 0;
console.log('technique               recall');
for (const [technique, stat] of [...perTechnique].sort()) {
  total += stat.total;
  hit += stat.hit;
  console.log(
    `${technique.padEnd(24)}${stat.hit}/${stat.total}${stat.missed.length ? `  missed: ${stat.missed.join(', ')}` : ''}`,
  );
}
console.log(`${'all attacks'.padEnd(24)}${hit}/${total} (${((100 * hit) / total).toFixed(1)}%)`);
console.log(
  `benign: ${benignFiles} catalogs, ${benignTools} tools, ${benignFindings.length} findings ≥ medium (false positives)`,
);
for (const { file, finding } of benignFindings) {
  console.log(
    `  FP ${file} ${finding.tool}.${finding.field} ${finding.rule} ${finding.severity}: ${finding.excerpt}`,
  );
}
