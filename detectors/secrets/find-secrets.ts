import { sha256Hex } from '../../model/index.js';
import { SECRET_RULES, type SecretRule } from './secret-rules.js';

export type SecretEncoding = 'plain' | 'base64' | 'hex' | 'url';

/** A secret found in text. Never carries the value: only where it is and a short hash of it. */
export interface SecretMatch {
  type: string;
  /** UTF-16 offsets into the scanned text; for an encoded secret, the span of the encoded run. */
  start: number;
  end: number;
  /** First 8 hex digits of the SHA-256 of the (decoded) secret: the same secret always gives the same. */
  fingerprint: string;
  /** How the secret was written; nested encodings report the outermost. */
  encoding: SecretEncoding;
}

const MAX_DEPTH = 2;
/** Encoded secrets are looked for in base64-alphabet runs at least this long (hex digits are in it). */
const MIN_ENCODED_RUN = 24;
/** Runs found in every text: long enough for an encoded secret or a `withinRun` rule. */
const MIN_RUN = Math.min(MIN_ENCODED_RUN, ...SECRET_RULES.map((rule) => rule.withinRun ?? Infinity));
/** Base64 and base64url, as the body of a regex character class. */
const BASE64_ALPHABET = 'A-Za-z0-9+/_-';
const OUTSIDE_ALPHABET = new RegExp(`[^${BASE64_ALPHABET}]`, 'g');
const IN_BASE64_ALPHABET = Uint8Array.from({ length: 128 }, (_, c) =>
  new RegExp(`[${BASE64_ALPHABET}]`).test(String.fromCharCode(c)) ? 1 : 0,
);
const HEX_RUN = /(?<![0-9A-Za-z])(?:[0-9a-fA-F]{2}){12,}(?![0-9A-Za-z])/g;
const PERCENT_RUN = /(?:[^\s%"'<>]*%[0-9A-Fa-f]{2})+[^\s%"'<>]*/g;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

export function secretFingerprint(value: string): string {
  return sha256Hex(value).slice(0, 8);
}

/** At least 95 % printable ASCII; stops as soon as the other characters rule that out. */
function isMostlyPrintable(text: string): boolean {
  if (text.length === 0) return false;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if ((text.length - ++other) / text.length < 0.95) return false;
  }
  return true;
}

interface RawMatch extends SecretMatch {
  priority: number;
}

/**
 * The regex quick checks tested on the whole text, as one regex (case-insensitive: a superset of
 * each): text it misses, such as most short strings, skips them all in one match instead of one each.
 */
const ANY_WHOLE_TEXT_CHECK = new RegExp(
  SECRET_RULES.flatMap(({ quickCheck, withinRun }) =>
    withinRun === undefined && quickCheck instanceof RegExp ? [quickCheck.source] : [],
  ).join('|'),
  'i',
);

function mayMatch(rule: SecretRule, text: string, runs: readonly Run[], anyWholeText: boolean): boolean {
  if (rule.withinRun === undefined) {
    return (anyWholeText || !(rule.quickCheck instanceof RegExp)) && rule.quickCheck.test(text);
  }
  for (const run of runs) {
    if (run.end - run.start >= rule.withinRun && rule.quickCheck.test(run.text)) return true;
  }
  return false;
}

function directMatches(text: string, runs: readonly Run[]): RawMatch[] {
  const found: RawMatch[] = [];
  const anyWholeText = ANY_WHOLE_TEXT_CHECK.test(text);
  for (const rule of SECRET_RULES) {
    if (!mayMatch(rule, text, runs, anyWholeText)) continue;
    rule.pattern.lastIndex = 0;
    for (let m = rule.pattern.exec(text); m !== null; m = rule.pattern.exec(text)) {
      if (m[0].length === 0) rule.pattern.lastIndex++;
      const value = m[rule.group];
      const span = m.indices?.[rule.group];
      if (value === undefined || span === undefined) continue;
      if (rule.accept !== undefined && !rule.accept(value)) continue;
      found.push({
        type: rule.type,
        start: span[0],
        end: span[1],
        fingerprint: secretFingerprint(value),
        encoding: 'plain',
        priority: rule.priority,
      });
    }
  }
  return found;
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

function inBase64Alphabet(text: string, at: number): boolean {
  return IN_BASE64_ALPHABET[text.charCodeAt(at)] === 1;
}

interface Run {
  start: number;
  /** End of the alphabet characters. */
  end: number;
  /** End including up to two `=` of padding. */
  padded: number;
  /** The alphabet characters. */
  text: string;
}

/**
 * Every maximal run of at least MIN_RUN base64-alphabet characters (with their padding, those of
 * MIN_ENCODED_RUN are the matches of `/[A-Za-z0-9+/_-]{24,}={0,2}/g`). Probes every MIN_RUN-th
 * character and scans back from a probe inside the alphabet, so text of short words is mostly
 * skipped rather than read.
 */
function base64Runs(text: string): Run[] {
  const runs: Run[] = [];
  // No run of MIN_RUN can start before `from`; the character before `from` is outside the alphabet.
  let from = 0;
  while (from + MIN_RUN <= text.length) {
    const probe = from + MIN_RUN - 1;
    if (!inBase64Alphabet(text, probe)) {
      from = probe + 1;
      continue;
    }
    let start = probe;
    while (start > from && inBase64Alphabet(text, start - 1)) start--;
    if (start > from) {
      from = start;
      continue;
    }
    OUTSIDE_ALPHABET.lastIndex = probe + 1;
    const end = OUTSIDE_ALPHABET.test(text) ? OUTSIDE_ALPHABET.lastIndex - 1 : text.length;
    let padded = end;
    while (padded < text.length && padded - end < 2 && text[padded] === '=') padded++;
    runs.push({ start, end, padded, text: text.slice(start, end) });
    from = end + 1;
  }
  return runs;
}

/** Whole alphanumeric words of at least 12 hex digit pairs; such a word is always inside a base64 run. */
function hexRuns(text: string, base64: readonly Run[]): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  for (const run of base64) {
    for (const m of run.text.matchAll(HEX_RUN)) {
      found.push({ start: run.start + m.index, end: run.start + m.index + m[0].length });
    }
  }
  return found;
}

/** Percent-decodes byte by byte, keeping for each decoded character the offset it came from. */
function percentDecode(run: string): { text: string; offsets: number[] } {
  let text = '';
  const offsets: number[] = [];
  for (let i = 0; i < run.length;) {
    if (run[i] === '%' && PERCENT_ESCAPE.test(run.slice(i, i + 3))) {
      text += String.fromCharCode(parseInt(run.slice(i + 1, i + 3), 16));
      offsets.push(i);
      i += 3;
    } else {
      text += run[i];
      offsets.push(i);
      i += 1;
    }
  }
  offsets.push(run.length);
  return { text, offsets };
}

function encodedMatches(
  text: string,
  depth: number,
  taken: readonly RawMatch[],
  runs: readonly Run[],
): RawMatch[] {
  const found: RawMatch[] = [];
  const free = (start: number, end: number) =>
    !taken.some((t) => overlaps(t, { start, end })) && !found.some((f) => overlaps(f, { start, end }));

  if (text.includes('%')) {
    // matchAll iterates a copy of the pattern: the recursive scan below reuses the shared one.
    for (const m of text.matchAll(PERCENT_RUN)) {
      const { text: decoded, offsets } = percentDecode(m[0]);
      for (const inner of scan(decoded, depth + 1)) {
        const start = m.index + (offsets[inner.start] ?? 0);
        const end = m.index + (offsets[inner.end] ?? m[0].length);
        if (free(start, end)) found.push({ ...inner, start, end, encoding: 'url', priority: 0 });
      }
    }
  }
  const base64 = runs.filter(isEncodedRun);
  if (base64.length === 0) return found;
  for (const [runs, encoding] of [
    [hexRuns(text, base64), 'hex'],
    [base64.map(({ start, padded }) => ({ start, end: padded })), 'base64'],
  ] as const) {
    for (const { start, end } of runs) {
      if (!free(start, end)) continue;
      const decoded = Buffer.from(text.slice(start, end), encoding).toString('latin1');
      if (!isMostlyPrintable(decoded)) continue;
      const inner = scan(decoded, depth + 1)[0];
      if (inner !== undefined) found.push({ ...inner, start, end, encoding, priority: 0 });
    }
  }
  return found;
}

function isEncodedRun(run: Run): boolean {
  return run.end - run.start >= MIN_ENCODED_RUN;
}

/** Specific rules win over generic ones on overlapping text; then the longer match. */
function byStrength(a: RawMatch, b: RawMatch): number {
  return b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start;
}

function byStart(a: RawMatch, b: RawMatch): number {
  return a.start - b.start;
}

function scan(text: string, depth: number): RawMatch[] {
  const runs = base64Runs(text);
  const direct = directMatches(text, runs);
  const mayBeEncoded = depth < MAX_DEPTH && (text.includes('%') || runs.some(isEncodedRun));
  if (direct.length === 0 && !mayBeEncoded) return [];
  direct.sort(byStrength);
  const kept: RawMatch[] = [];
  for (const match of direct) if (!kept.some((k) => overlaps(k, match))) kept.push(match);
  if (mayBeEncoded) kept.push(...encodedMatches(text, depth, kept, runs));
  return kept.sort(byStart);
}

/** Every secret in `text`, in order, including secrets written base64-, hex- or URL-encoded. */
export function findSecrets(text: string): SecretMatch[] {
  return scan(text, 0).map(({ type, start, end, fingerprint, encoding }) => ({
    type,
    start,
    end,
    fingerprint,
    encoding,
  }));
}

export function secretMask(match: Pick<SecretMatch, 'type' | 'fingerprint'>): string {
  return `[SECRET:${match.type}:${match.fingerprint}]`;
}

/** `text` with every secret replaced by `[SECRET:<type>:<fingerprint>]`. */
export function maskSecrets(text: string): string {
  const matches = findSecrets(text);
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const match of matches) {
    out += text.slice(at, match.start) + secretMask(match);
    at = match.end;
  }
  return out + text.slice(at);
}
