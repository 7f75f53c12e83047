// Our own catalog corpus and the captured real-server catalogs through catalog lint: every tune
// attack raises a finding at medium or above and every tune benign catalog none; the holdout split
// (never read to write rules) is held to the targets in aggregate, its cases unnamed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAtLeast } from '../../../model/index.js';
import { defaultRules, lintCatalog } from '../../../detectors/index.js';
import { catalogCases } from '../../../bench/eval-corpus.js';

const rules = defaultRules();
const cases = catalogCases().filter((c) => c.corpus !== 'published');
const flagged = (c: (typeof cases)[number]) =>
  lintCatalog(c.tools, rules, c.instructions).filter((f) => isAtLeast(f.severity, 'medium'));

test('the corpora hold at least 40 attack and 40 benign catalogs of our own', () => {
  const own = cases.filter((c) => c.corpus === 'own');
  assert.ok(own.filter((c) => c.attack).length >= 40);
  assert.ok(own.filter((c) => !c.attack).length >= 40);
});

for (const c of cases.filter((c) => c.split === 'tune')) {
  test(`${c.corpus}/${c.path}: ${c.attack ? `flags the ${c.technique} attack` : 'raises nothing at medium or above'}`, () => {
    const findings = flagged(c);
    if (c.attack) assert.ok(findings.length > 0);
    else
      assert.deepEqual(
        findings.map((f) => `${f.tool}.${f.field}: ${f.rule} ${f.excerpt}`),
        [],
      );
  });
}

test('holdout attacks: recall at least 90 %', () => {
  const attacks = cases.filter((c) => c.split === 'holdout' && c.attack);
  const hit = attacks.filter((c) => flagged(c).length > 0).length;
  assert.ok(hit >= 0.9 * attacks.length, `${hit}/${attacks.length}`);
});
