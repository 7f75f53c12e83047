/**
 * Trains the catalog lint's learned scorer (detectors/lint/learned-scorer.ts) on the TUNE split
 * only (bench/eval-split.ts) and writes detectors/lint/learned-scorer-weights.json with the data's
 * provenance. Deterministic: same corpora, same weights byte for byte.
 *
 * Sentence labels are weak, from per-catalog labels: every prose sentence (descriptions, titles,
 * server instructions) of a benign catalog is 0; in an attack catalog, a sentence the rules flag at
 * medium or above, or one addressed to the model, is 1, and the rest are left out (unknown).
 * The threshold is chosen on 5-fold out-of-fold scores (folds by catalog) so that at most 1 % of the
 * tune benign catalogs, real servers included, would raise a finding.
 *
 * Usage: node --import tsx scripts/train-catalog-scorer.ts [--check]
 *   --check  trains and fails if the result differs from the committed file (reproducibility).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { isAtLeast } from '../model/index.js';
import { defaultRules, type DetectorRules } from '../detectors/index.js';
import {
  SCORER_WEIGHTS_PATH,
  featureBucket,
  proseTexts,
  sentenceFeatureNames,
  sigmoid,
  type ScorerModel,
} from '../detectors/lint/learned-scorer.js';
import {
  findSentenceFunctions,
  sentenceFeatures,
  serverVocabulary,
  splitSentences,
} from '../detectors/lint/sentence-functions.js';
import { findTextShapes } from '../detectors/lint/text-shapes.js';
import { catalogCases, type CatalogCase } from '../bench/eval-corpus.js';

const BUCKETS = 1 << 14;
const EPOCHS = 8;
const LEARNING_RATE = 0.05;
const L2 = 1e-4;
// Balanced classes overfit the few attack sentences; a capped weight generalises better across folds.
const POSITIVE_WEIGHT_CAP = 3;
const FOLDS = 5;
const SEED = 20261206;
const MAX_BENIGN_FP = 0.01;

interface Example {
  caseId: string;
  fold: number;
  label: 0 | 1;
  buckets: Int32Array;
  text: string;
}

/** Offsets the rules flag at medium or above in a text. */
function flaggedSpans(
  text: string,
  rules: DetectorRules,
  ownName: string,
  names: string[],
): [number, number][] {
  const spans: [number, number][] = [];
  for (const hit of findTextShapes(text, rules)) {
    if (isAtLeast(rules.catalog_lint.severity[hit.shape], 'medium')) spans.push([hit.start, hit.end]);
  }
  const context = { ownName, server: serverVocabulary(names, rules) };
  for (const found of findSentenceFunctions(text, rules, context)) {
    if (isAtLeast(found.severity ?? rules.catalog_lint.severity[found.rule], 'medium')) {
      spans.push([found.start, found.end]);
    }
  }
  return spans;
}

function fnv(text: string): number {
  return featureBucket(text, 1 << 30);
}

function examplesOf(c: CatalogCase, rules: DetectorRules): Example[] {
  const caseId = `${c.corpus}/${c.path}`;
  const names = c.tools.map((t) =>
    typeof t === 'object' && t !== null && typeof (t as { name?: unknown }).name === 'string'
      ? (t as { name: string }).name
      : '',
  );
  const texts: [string, string][] = c.tools.flatMap((tool, i) => {
    return proseTexts(tool).map((text): [string, string] => [names[i] ?? '', text]);
  });
  if (c.instructions !== '') texts.push(['(server instructions)', c.instructions]);
  const examples: Example[] = [];
  for (const [ownName, text] of texts) {
    const spans = c.attack ? flaggedSpans(text, rules, ownName, names) : [];
    for (const sentence of splitSentences(text)) {
      const features = sentenceFeatureNames(sentence.text, rules);
      if (features.length === 0) continue;
      let label: 0 | 1 | null = 0;
      if (c.attack) {
        const flagged = spans.some(([from, to]) => from < sentence.end && to > sentence.start);
        label = flagged || sentenceFeatures(sentence.text, rules).addressed !== null ? 1 : null;
      }
      if (label === null) continue;
      const buckets = Int32Array.from(new Set(features.map((f) => featureBucket(f, BUCKETS)))).sort();
      examples.push({ caseId, fold: fnv(caseId) % FOLDS, label, buckets, text: sentence.text });
    }
  }
  return examples;
}

/** mulberry32: a seeded shuffle, so training order never depends on the run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function train(examples: Example[]): { bias: number; weights: Float64Array } {
  const weights = new Float64Array(BUCKETS);
  let bias = 0;
  const positives = examples.filter((e) => e.label === 1).length;
  const positiveWeight = Math.min(
    POSITIVE_WEIGHT_CAP,
    (examples.length - positives) / Math.max(positives, 1),
  );
  const order = examples.map((_, i) => i);
  const next = random(SEED);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const rate = LEARNING_RATE / (1 + epoch);
    for (const index of order) {
      const e = examples[index]!;
      let z = bias;
      for (const b of e.buckets) z += weights[b]!;
      const gradient = (sigmoid(z) - e.label) * (e.label === 1 ? positiveWeight : 1);
      bias -= rate * gradient;
      for (const b of e.buckets) weights[b] = weights[b]! - rate * (gradient + L2 * weights[b]!);
    }
  }
  return { bias, weights };
}

/** The logit: thresholds on it keep their resolution where probabilities round to 1. */
function score(model: { bias: number; weights: Float64Array }, e: Example): number {
  let z = model.bias;
  for (const b of e.buckets) z += model.weights[b]!;
  return z;
}

const round = (x: number) => Math.round(x * 1e5) / 1e5;

const rules = defaultRules();
const tune = catalogCases().filter((c) => c.split === 'tune');
const examples = tune.flatMap((c) => examplesOf(c, rules));

// Out-of-fold scores: each catalog scored by a model that never saw it.
const outOfFold = new Map<Example, number>();
for (let fold = 0; fold < FOLDS; fold++) {
  const model = train(examples.filter((e) => e.fold !== fold));
  for (const e of examples.filter((e) => e.fold === fold)) outOfFold.set(e, score(model, e));
}
const maxPerCase = new Map<string, number>();
for (const [e, s] of outOfFold) maxPerCase.set(e.caseId, Math.max(maxPerCase.get(e.caseId) ?? -Infinity, s));
const benignCases = tune.filter((c) => !c.attack).map((c) => `${c.corpus}/${c.path}`);
const attackCases = tune.filter((c) => c.attack).map((c) => `${c.corpus}/${c.path}`);
const benignMax = benignCases.map((id) => maxPerCase.get(id) ?? -Infinity).sort((a, b) => b - a);
const allowed = Math.floor(MAX_BENIGN_FP * benignMax.length);
// Just above the highest benign catalog score not allowed through.
const threshold = round((benignMax[allowed] ?? 0) + 1e-3);
const cvRecall = attackCases.filter((id) => (maxPerCase.get(id) ?? -Infinity) >= threshold).length;
const cvFalsePositives = benignMax.filter((s) => s >= threshold).length;

const final = train(examples);
const positives = examples.filter((e) => e.label === 1).length;
const dataHash = createHash('sha256');
for (const e of examples) dataHash.update(`${e.caseId}\u0000${e.label}\u0000${e.text}\n`);
const corpora = [...new Set(tune.map((c) => c.corpus))].map((corpus) => ({
  corpus,
  attack_catalogs: tune.filter((c) => c.corpus === corpus && c.attack).length,
  benign_catalogs: tune.filter((c) => c.corpus === corpus && !c.attack).length,
}));
const model: ScorerModel = {
  version: 1,
  buckets: BUCKETS,
  bias: round(final.bias),
  threshold,
  weights: Array.from(final.weights, round),
  provenance: {
    trained_by: 'scripts/train-catalog-scorer.ts',
    split: 'tune only (bench/eval-split.ts); no holdout case read',
    sources: [
      '../shared/corpora/published/catalogs (read in place)',
      'test/corpus/catalogs',
      'test/corpus/real-servers',
    ],
    corpora,
    catalogs: tune.map((c) => `${c.corpus}/${c.path}`),
    sentences: { positive: positives, negative: examples.length - positives },
    data_sha256: dataHash.digest('hex'),
    seed: SEED,
    epochs: EPOCHS,
    learning_rate: LEARNING_RATE,
    l2: L2,
    cross_validation: {
      folds: FOLDS,
      max_benign_fp: MAX_BENIGN_FP,
      recall: `${cvRecall}/${attackCases.length}`,
      benign_false_positives: `${cvFalsePositives}/${benignCases.length}`,
    },
  },
};
const json = `${JSON.stringify(model)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(SCORER_WEIGHTS_PATH, 'utf8') !== json) {
    console.error(`${SCORER_WEIGHTS_PATH} differs from a fresh training run: retrain and commit it`);
    process.exit(1);
  }
  console.log('weights reproduced byte for byte');
} else {
  writeFileSync(SCORER_WEIGHTS_PATH, json);
  console.log(
    `${examples.length} sentences (${positives} positive) from ${tune.length} tune catalogs; threshold ${threshold}; ` +
      `cross-validated catalog recall ${cvRecall}/${attackCases.length}, benign FP ${cvFalsePositives}/${benignCases.length}`,
  );
}
