import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DetectorRules } from '../config/detector-rules.js';
import { sentenceFeatures } from './sentence-functions.js';

/**
 * A learned scorer next to the lexicon rules: logistic regression over one sentence of catalog
 * prose, on hashed word uni/bi-grams, character 4-grams and the sentence functions the rules
 * compute (addressed to the model, obligation, imperative). It catches directives worded in ways
 * no lexicon entry foresaw; its finding names the n-grams that weighed most, so it still explains
 * itself. Trained by scripts/train-catalog-scorer.ts on the tune split only; the weights file
 * records what it was trained on.
 */

export interface ScorerModel {
  version: 1;
  /** Hash buckets of the feature vector (a power of two). */
  buckets: number;
  bias: number;
  /** Score (logit) at or above which a sentence is a finding; chosen by cross-validation on tune data. */
  threshold: number;
  weights: number[];
  provenance: Record<string, unknown>;
}

export interface SentenceScore {
  /** The logit: above 0 the sentence reads more like an attack's than a benign one's. */
  score: number;
  /** The features that pushed the score up most, readable (`'keep it between us'`, `addressed to the model`). */
  top: string[];
}

export const SCORER_WEIGHTS_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  'learned-scorer-weights.json',
);

const WORD = /[a-z0-9]+(?:'[a-z]+)?/g;
const CHAR_GRAM = 4;
// Text shorter than this (a title, a parameter name) carries no sentence to judge.
const MIN_WORDS = 4;

/**
 * The named features of a sentence: `w:` word, `b:` word pair, `c:` character 4-gram (inside
 * word-bounded text), `f:` a sentence function of the lint. Names, not indices, so a finding can
 * say which ones weighed.
 */
export function sentenceFeatureNames(sentence: string, rules: DetectorRules): string[] {
  const lower = sentence.toLowerCase();
  const words = lower.match(WORD) ?? [];
  if (words.length < MIN_WORDS) return [];
  const names: string[] = [];
  for (let i = 0; i < words.length; i++) {
    names.push(`w:${words[i]}`);
    if (i > 0) names.push(`b:${words[i - 1]} ${words[i]}`);
  }
  const joined = ` ${words.join(' ')} `;
  for (let i = 0; i + CHAR_GRAM <= joined.length; i++) names.push(`c:${joined.slice(i, i + CHAR_GRAM)}`);
  const functions = sentenceFeatures(sentence, rules);
  if (functions.addressed !== null) names.push('f:addressed');
  if (functions.obligation !== null) names.push('f:obligation');
  if (functions.imperative !== null) names.push('f:imperative');
  if (functions.directive) names.push('f:directive');
  return names;
}

const PROSE_KEY = /^(description|title|markdownDescription)$/;

/** The prose a tool definition carries at any depth: its description and title, its parameters' descriptions. */
export function proseTexts(tool: unknown): string[] {
  if (Array.isArray(tool)) return tool.flatMap(proseTexts);
  if (typeof tool !== 'object' || tool === null) return [];
  return Object.entries(tool).flatMap(([key, value]) =>
    PROSE_KEY.test(key) && typeof value === 'string' ? [value] : proseTexts(value),
  );
}

/** FNV-1a, 32 bits: a stable bucket for a feature name on every platform. */
export function featureBucket(name: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) & (buckets - 1);
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

const FUNCTION_LABELS: Record<string, string> = {
  'f:addressed': 'addressed to the model',
  'f:obligation': 'an obligation',
  'f:imperative': 'an imperative',
  'f:directive': 'a directive',
};

function readable(name: string): string {
  return FUNCTION_LABELS[name] ?? `'${name.slice(2).trim()}'`;
}

/** Scores a sentence; `top` lists the (at most 4) word-level features that raised it most. */
export function scoreSentence(sentence: string, rules: DetectorRules, model: ScorerModel): SentenceScore {
  const names = sentenceFeatureNames(sentence, rules);
  if (names.length === 0) return { score: -Infinity, top: [] };
  const seen = new Set<string>();
  let z = model.bias;
  const contributions: [string, number][] = [];
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const weight = model.weights[featureBucket(name, model.buckets)] ?? 0;
    z += weight;
    // Character grams raise the score but read poorly; the words and functions explain it.
    if (weight > 0 && !name.startsWith('c:')) contributions.push([name, weight]);
  }
  contributions.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { score: z, top: contributions.slice(0, 4).map(([name]) => readable(name)) };
}

let shipped: ScorerModel | undefined;

/** The committed model (learned-scorer-weights.json), read once. */
export function shippedScorer(): ScorerModel {
  shipped ??= JSON.parse(readFileSync(SCORER_WEIGHTS_PATH, 'utf8')) as ScorerModel;
  return shipped;
}
