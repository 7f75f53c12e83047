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

// The holdout floors are what the rules reach today on a split they were not tuned on (35/43 attacks,
// 2/41 own and 11/56 real-server benign catalogs flagged, 2026-12-06 23:10 UTC, after the fresh batch
// fresh-6 and 56 newly harvested servers, 6 of whose 17 holdout catalogs are flagged), so a change that
// loses ground fails here. The issue's targets (recall 90 %, false positives 5 %) are not met yet; bench/RESULTS.md
// reports the gap.
const holdout = cases.filter((c) => c.split === 'holdout');
const share = (group: typeof cases) => group.filter((c) => flagged(c).length > 0).length / group.length;

test('holdout attacks: recall at least 80 % (target 90 %)', () => {
  const attacks = holdout.filter((c) => c.attack);
  assert.ok(share(attacks) >= 0.8, `${share(attacks)} of ${attacks.length}`);
});

test('holdout benign catalogs: our own flagged at most 10 %, real servers at most 20 % (target 5 %)', () => {
  const own = holdout.filter((c) => !c.attack && c.corpus === 'own');
  const real = holdout.filter((c) => !c.attack && c.corpus !== 'own');
  assert.ok(share(own) <= 0.1, `own: ${share(own)} of ${own.length}`);
  assert.ok(share(real) <= 0.2, `real servers: ${share(real)} of ${real.length}`);
});
