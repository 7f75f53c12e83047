import { jsonUnescape, percentDecode } from './decoded-text.js';
import { secretFingerprint } from './secret-fingerprint.js';
import {
  ANY_CUT_PREFIX,
  CUT_KEYED_VALUE,
  CUT_SECRET_RULES,
  cutKeyedValueType,
  CUT_TOKEN_CHARACTER,
  isRandomCutBody,
  looksPlaceholder,
  MIN_CUT_TOKEN,
  SECRET_RULES,
  type SecretRule,
} from './secret-rules.js';

/**
 * How a secret was written. JSON string escapes are not an encoding of their own: they are how text
 * travels inside JSON, decoded wherever they are, so a secret under them reports the encoding under
 * them (`plain` for a key whose line breaks are `\\n`).
 */
export type SecretEncoding = 'plain' | 'base64' | 'hex' | 'url';

export interface ScanOptions {
  /**
   * The text was cut at a size cap (`CappedContent.truncated`): the start of a token cut off at its
   * end is a secret too.
   */
  truncated?: boolean;
}

/** A secret found in text. Never carries the value: only where it is and a short hash of it. */
export interface SecretMatch {
  type: string;
  /** UTF-16 offsets into the scanned text; for an encoded secret, the span of the encoded run. */
  start: number;
  end: number;
  /** `secretFingerprint` of the decoded secret: the same secret gives the same in any encoding. */
  fingerprint: string;
  /** How the secret was written; nested encodings report the outermost. */
  encoding: SecretEncoding;
}

/** Encoding layers decoded inside one another, JSON escapes included (3 of them, then base64 …). */
const MAX_DEPTH = 6;
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
/**
 * A whole alphanumeric word of at least 12 hex digit pairs in a base64 run, as group 1: at the run's
 * start, or after one of the run's other characters `+/_-`. Matched from that character, not with a
 * look-behind, the regex engine skips to the few places a word starts instead of trying each one.
 */
const HEX_WORD = String.raw`((?:[0-9a-fA-F]{2}){12,})(?![0-9A-Za-z])`;
const HEX_WORD_AT_START = new RegExp(HEX_WORD, 'y');
const HEX_WORD_AFTER = new RegExp(`[+/_-]${HEX_WORD}`, 'g');
const PERCENT_RUN = /(?:[^\s%"'<>]*%[0-9A-Fa-f]{2})+[^\s%"'<>]*/g;
const BACKSLASH = 0x5c;
const IS_CUT_TOKEN_CHARACTER = Uint8Array.from({ length: 128 }, (_, c) =>
  CUT_TOKEN_CHARACTER.test(String.fromCharCode(c)) ? 1 : 0,
);
/**
 * JSON escapes that can hide a secret from every quick check of the escaped text: a printable ASCII
 * character written `\u00xx`, or an escaped slash (`https:\/\/user:pass@…`). The other escapes,
 * as JSON encoders write them, hide nothing a quick check needs: a text with only those is
 * unescaped when it passes one.
 */
function hasHidingJsonEscape(text: string): boolean {
  // Searched from their rarer character: a search for `\\` is slow in text full of `\n`.
  for (let at = text.indexOf('/'); at !== -1; at = text.indexOf('/', at + 1)) {
    if (text.charCodeAt(at - 1) === BACKSLASH) return true;
  }
  for (let at = text.indexOf('u00'); at !== -1; at = text.indexOf('u00', at + 1)) {
    const high = text.charCodeAt(at + 3);
    if (text.charCodeAt(at - 1) === BACKSLASH && high >= 0x32 && high <= 0x37) return true;
  }
  return false;
}

function isPrintable(code: number): boolean {
  return (code >= 0x20 && code < 0x7f) || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Whether `other` non-printable characters of `length` leave less than 95 % printable. */
function tooManyOther(other: number, length: number): boolean {
  return (length - other) / length < 0.95;
}

/** At least 95 % printable ASCII; stops as soon as the other characters rule that out. */
function isMostlyPrintable(text: string): boolean {
  if (text.length === 0) return false;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isPrintable(text.charCodeAt(i)) && tooManyOther(++other, text.length)) return false;
  }
  return true;
}

/** The value of each hex digit and base64 (and base64url) character by code; -1 for others. */
const HEX_DIGIT = Int8Array.from({ length: 128 }, (_, c) => {
  const digit = parseInt(String.fromCharCode(c), 16);
  return Number.isNaN(digit) ? -1 : digit;
});
const BASE64_DIGIT = Int8Array.from({ length: 128 }, (_, c) =>
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(
    String.fromCharCode(c).replace('-', '+').replace('_', '/'),
  ),
);

/** Byte `i` that the hex digits from `start` decode to, or -1 past them. */
function hexByteAt(text: string, start: number, i: number): number {
  const high = HEX_DIGIT[text.charCodeAt(start + 2 * i)] ?? -1;
  const low = HEX_DIGIT[text.charCodeAt(start + 2 * i + 1)] ?? -1;
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}

/** Byte `i` that the base64 characters from `start` decode to (4 characters give 3 bytes), or -1 past them. */
function base64ByteAt(text: string, start: number, i: number): number {
  const at = start + 4 * Math.floor(i / 3) + (i % 3);
  const shift = 2 * (i % 3);
  const first = BASE64_DIGIT[text.charCodeAt(at)] ?? -1;
  const second = BASE64_DIGIT[text.charCodeAt(at + 1)] ?? -1;
  return first < 0 || second < 0 ? -1 : ((first << (2 + shift)) | (second >> (4 - shift))) & 0xff;
}

/** Decoded bytes that `mayDecodeToText` reads at most: a decode and `isMostlyPrintable` read the rest. */
const PRE_CHECKED_BYTES = 256;

/**
 * False when the bytes `text.slice(start, end)` decodes to cannot be mostly printable, read from the
 * first encoded characters: a run up to a few KB that decodes to binary (padding like `aaaa…`, a
 * hash, a random id) is ruled out after a few characters instead of decoded whole. Only a necessary
 * condition (the bytes counted are a prefix, the length an upper bound): `isMostlyPrintable` on the
 * decoded text decides.
 */
function mayDecodeToText(text: string, start: number, end: number, encoding: 'hex' | 'base64'): boolean {
  const maxBytes = Math.floor(((end - start) * (encoding === 'hex' ? 4 : 6)) / 8);
  const checked = Math.min(maxBytes, PRE_CHECKED_BYTES);
  // On a longer run, even a prefix of nothing but binary leaves too little to rule it out.
  if (!tooManyOther(checked, maxBytes)) return true;
  const byteAt = encoding === 'hex' ? hexByteAt : base64ByteAt;
  let other = 0;
  for (let i = 0; i < checked; i++) {
    const byte = byteAt(text, start, i);
    if (byte < 0) break;
    if (!isPrintable(byte) && tooManyOther(++other, maxBytes)) return false;
  }
  return true;
}

interface RawMatch extends SecretMatch {
  priority: number;
}

/**
 * Whether a rule's quick check is a regex that can join a combined check: of the flags a quick check
 * may have (not `g` or `y`), only `i` keeps an alternation of them a superset of each.
 */
function hasCombinableCheck(rule: SecretRule): boolean {
  return rule.quickCheck instanceof RegExp && /^i?$/.test(rule.quickCheck.flags);
}

/**
 * The quick checks of `rules` as one regex (case-insensitive if one of them is: a superset of each):
 * text it misses skips all those rules in one match instead of one each.
 */
function combinedCheck(rules: readonly SecretRule[]): RegExp {
  const checks = rules.filter((rule) => COMBINED.has(rule)).map((rule) => rule.quickCheck as RegExp);
  return new RegExp(
    checks.map((check) => check.source).join('|'),
    checks.some((check) => check.ignoreCase) ? 'i' : '',
  );
}

/** Rules whose quick check is in one of the two combined checks below. */
const COMBINED: ReadonlySet<SecretRule> = new Set(SECRET_RULES.filter(hasCombinableCheck));
/** Tested on the whole text. */
const ANY_WHOLE_TEXT_CHECK = combinedCheck(SECRET_RULES.filter((rule) => rule.withinRun === undefined));
/** Tested on each base64-alphabet run. */
const ANY_RUN_CHECK = combinedCheck(SECRET_RULES.filter((rule) => rule.withinRun !== undefined));
/** Rules whose quick check is in neither combined check (the key-assignment ones): tested one by one. */
const OWN_CHECK_RULES = SECRET_RULES.filter((rule) => !COMBINED.has(rule));

function mayMatch(rule: SecretRule, text: string, runs: readonly Run[]): boolean {
  if (rule.withinRun === undefined) return rule.quickCheck.test(text);
  for (const run of runs) {
    if (run.end - run.start >= rule.withinRun && rule.quickCheck.test(run.text)) return true;
  }
  return false;
}

const NO_MATCHES: readonly RawMatch[] = [];
const NO_RULES: readonly SecretRule[] = [];

/** The rules whose quick check `text` passes, in SECRET_RULES order; none, for most text. */
function candidateRules(text: string, runs: readonly Run[]): readonly SecretRule[] {
  const wholeText = ANY_WHOLE_TEXT_CHECK.test(text);
  let inRun = false;
  for (const run of runs) if ((inRun = ANY_RUN_CHECK.test(run.text))) break;
  if (!wholeText && !inRun) {
    let passed: SecretRule[] | undefined;
    for (const rule of OWN_CHECK_RULES) if (mayMatch(rule, text, runs)) (passed ??= []).push(rule);
    return passed ?? NO_RULES;
  }
  return SECRET_RULES.filter(
    (rule) =>
      (!COMBINED.has(rule) || (rule.withinRun === undefined ? wholeText : inRun)) &&
      mayMatch(rule, text, runs),
  );
}

function directMatches(text: string, rules: readonly SecretRule[]): readonly RawMatch[] {
  if (rules.length === 0) return NO_MATCHES;
  const found: RawMatch[] = [];
  for (const rule of rules) {
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

interface Span {
  start: number;
  end: number;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

function overlapsAny(span: Span, spans: readonly Span[]): boolean {
  for (const other of spans) if (overlaps(other, span)) return true;
  return false;
}

/** Whether `span` overlaps none of the matches kept so far. */
function isFree(span: Span, taken: readonly Span[], found: readonly Span[]): boolean {
  return !overlapsAny(span, taken) && !overlapsAny(span, found);
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

const NO_RUNS: readonly Run[] = [];

/**
 * Every maximal run of at least MIN_RUN base64-alphabet characters (with their padding, those of
 * MIN_ENCODED_RUN are the matches of `/[A-Za-z0-9+/_-]{24,}={0,2}/g`). Probes every MIN_RUN-th
 * character and scans back from a probe inside the alphabet, so text of short words is mostly
 * skipped rather than read.
 */
function base64Runs(text: string): readonly Run[] {
  let runs: Run[] | undefined;
  // No run of MIN_RUN can start before `from`; the character before `from` is outside the alphabet.
  let from = 0;
  while (from + MIN_RUN <= text.length) {
    const probe = from + MIN_RUN - 1;
    // The alphabet lookups are written out: a call per character costs more than the lookup when
    // the optimizer does not inline it, as happens once `scan` has run on varied text.
    if (IN_BASE64_ALPHABET[text.charCodeAt(probe)] !== 1) {
      from = probe + 1;
      continue;
    }
    let start = probe;
    while (start > from && IN_BASE64_ALPHABET[text.charCodeAt(start - 1)] === 1) start--;
    if (start > from) {
      from = start;
      continue;
    }
    OUTSIDE_ALPHABET.lastIndex = probe + 1;
    const end = OUTSIDE_ALPHABET.test(text) ? OUTSIDE_ALPHABET.lastIndex - 1 : text.length;
    let padded = end;
    while (padded < text.length && padded - end < 2 && text[padded] === '=') padded++;
    (runs ??= []).push({ start, end, padded, text: text.slice(start, end) });
    from = end + 1;
  }
  return runs ?? NO_RUNS;
}

/** Where the hex word that HEX_WORD_AT_START or HEX_WORD_AFTER matched in `run` is in the text. */
function hexWordSpan(run: Run, m: RegExpExecArray): Span {
  const end = run.start + m.index + m[0].length;
  return { start: end - m[1]!.length, end };
}

/** Whole alphanumeric words of at least 12 hex digit pairs; such a word is always inside a base64 run. */
function hexRuns(text: string, base64: readonly Run[]): Span[] {
  const found: Span[] = [];
  for (const run of base64) {
    // A run of hex that decodes to binary (`aaaa…`) is ruled out before the regex reads all of it.
    if (mayDecodeToText(text, run.start, run.end, 'hex')) {
      HEX_WORD_AT_START.lastIndex = 0;
      const first = HEX_WORD_AT_START.exec(run.text);
      if (first !== null) found.push(hexWordSpan(run, first));
    }
    HEX_WORD_AFTER.lastIndex = 0;
    for (let m = HEX_WORD_AFTER.exec(run.text); m !== null; m = HEX_WORD_AFTER.exec(run.text)) {
      found.push(hexWordSpan(run, m));
    }
  }
  return found;
}

/** Overwrites text that a scan must not match (nor pay for twice): no rule matches or decodes it. */
const BLANK = '"';

/** `text` with `spans` (in any order, maybe overlapping) blanked out, at the same offsets. */
function blankedOut(text: string, spans: readonly Span[]): string {
  if (spans.length === 0) return text;
  let out = '';
  let at = 0;
  for (const { start, end } of spans.toSorted((a, b) => a.start - b.start)) {
    if (end <= at) continue;
    const from = Math.max(at, start);
    out += text.slice(at, from) + BLANK.repeat(end - from);
    at = end;
  }
  return out + text.slice(at);
}

/** A match found in a decoded layer, placed at `start`–`end` of the text the layer was decoded from. */
function placed(inner: RawMatch, start: number, end: number, encoding: SecretEncoding): RawMatch {
  return { ...inner, start, end, encoding };
}

/** Rules below this priority match a value by the key it is assigned to (`password=`, `token:`). */
const GENERIC_PRIORITY = 50;

/**
 * Secrets under an encoding layer of `text`, outside the spans already `taken`. With `unescape`, the
 * layer of JSON string escapes, whose text holds every other layer of this one (and its runs whole,
 * where an escaped slash or a `\n` cut them); otherwise the URL, hex and base64 layers.
 */
function encodedMatches(
  text: string,
  depth: number,
  taken: readonly Span[],
  runs: readonly Run[],
  unescape: boolean,
): RawMatch[] {
  const found: RawMatch[] = [];
  if (unescape) {
    const source = blankedOut(text, taken);
    const unescaped = jsonUnescape(source);
    if (unescaped.text !== source) {
      for (const inner of scan(unescaped.text, depth + 1, false)) {
        const start = unescaped.sourceOffset(inner.start);
        const end = unescaped.sourceOffset(inner.end);
        if (isFree({ start, end }, taken, found)) found.push(placed(inner, start, end, inner.encoding));
      }
      return found;
    }
  }
  if (text.includes('%')) {
    // matchAll iterates a copy of the pattern: the recursive scan below reuses the shared one.
    for (const m of text.matchAll(PERCENT_RUN)) {
      // Form encoding writes a space `+`; a `+` may as well be itself (base64), so both are read.
      for (const plusIsSpace of m[0].includes('+') ? [false, true] : [false]) {
        const decoded = percentDecode(m[0], plusIsSpace);
        for (const inner of scan(decoded.text, depth + 1, false)) {
          const start = m.index + decoded.sourceOffset(inner.start);
          const end = m.index + decoded.sourceOffset(inner.end);
          if (isFree({ start, end }, taken, found)) found.push(placed(inner, start, end, 'url'));
        }
      }
    }
  }
  const base64 = runs.filter(isEncodedRun);
  if (base64.length === 0) return found;
  for (const [spans, encoding] of [
    [hexRuns(text, base64), 'hex'],
    [base64.map(({ start, padded }) => ({ start, end: padded })), 'base64'],
  ] as const) {
    for (const { start, end } of spans) {
      if (!isFree({ start, end }, taken, found) || !mayDecodeToText(text, start, end, encoding)) continue;
      const decoded = Buffer.from(text.slice(start, end), encoding).toString('latin1');
      if (!isMostlyPrintable(decoded)) continue;
      const inner = scan(decoded, depth + 1, false)[0];
      if (inner !== undefined) found.push(placed(inner, start, end, encoding));
    }
  }
  return found;
}

function isEncodedRun(run: Run): boolean {
  return run.end - run.start >= MIN_ENCODED_RUN;
}

/** The longest cut token this far back from the end of a text. */
const MAX_CUT_TOKEN = 4096;

/** The start of a token cut off at the end of `text` (see CUT_SECRET_RULES), if there is one. */
function cutEdgeMatch(text: string): RawMatch | undefined {
  let from = text.length;
  while (from > 0 && text.charCodeAt(from - 1) === BACKSLASH) from--;
  const end = from;
  const limit = Math.max(0, end - MAX_CUT_TOKEN);
  while (from > limit && IS_CUT_TOKEN_CHARACTER[text.charCodeAt(from - 1)] === 1) from--;
  if (end - from < MIN_CUT_TOKEN) return undefined;
  // One character before the token, for the rules' look-behind.
  const tailStart = Math.max(0, from - 1);
  const tail = text.slice(tailStart);
  if (!ANY_CUT_PREFIX.test(tail)) return undefined;
  for (const rule of CUT_SECRET_RULES) {
    const m = rule.pattern.exec(tail);
    const span = m?.indices?.[1];
    if (m === null || span === undefined || !isRandomCutBody(m[2]!)) continue;
    return {
      type: rule.type,
      start: tailStart + span[0],
      end: tailStart + span[1],
      fingerprint: secretFingerprint(m[1]!),
      encoding: 'plain',
      priority: 0,
    };
  }
  return undefined;
}

/** A URL's password cut off at the end of a text, before the `@host` that would show it is one. */
const CUT_URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]{1,64}:([^\s@/"'<>\\]{4,128})\\*$/di;
const CUT_URL_TAIL = 256;

function cutUrlPasswordMatch(text: string): RawMatch | undefined {
  const tailStart = Math.max(0, text.length - CUT_URL_TAIL);
  const tail = text.slice(tailStart);
  if (!tail.includes('://')) return undefined;
  const m = CUT_URL_PASSWORD.exec(tail);
  const span = m?.indices?.[1];
  // A port (`host:8080`) at the cut is not a password.
  if (m === null || span === undefined || !/[A-Za-z]/.test(m[1]!)) return undefined;
  return {
    type: 'url_credentials',
    start: tailStart + span[0],
    end: tailStart + span[1],
    fingerprint: secretFingerprint(m[1]!),
    encoding: 'plain',
    priority: 0,
  };
}

const CUT_KEYED_TAIL = 512;

/** A credential key's value cut off at the end of a text (see CUT_KEYED_VALUE). */
function cutKeyedValueMatch(text: string): RawMatch | undefined {
  const tailStart = Math.max(0, text.length - CUT_KEYED_TAIL);
  const tail = text.slice(tailStart);
  const m = CUT_KEYED_VALUE.exec(tail);
  const span = m?.indices?.[2];
  if (m === null || span === undefined || looksPlaceholder(m[2]!)) return undefined;
  return {
    type: cutKeyedValueType(m[1]),
    start: tailStart + span[0],
    end: tailStart + span[1],
    fingerprint: secretFingerprint(m[2]!),
    encoding: 'plain',
    priority: 0,
  };
}

/** Specific rules win over generic ones on overlapping text; then the longer match. */
function byStrength(a: RawMatch, b: RawMatch): number {
  return b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start;
}

function byStart(a: RawMatch, b: RawMatch): number {
  return a.start - b.start;
}

function scan(written: string, depth: number, cut: boolean): readonly RawMatch[] {
  // Our own masks are blanked out: a mask is never matched again, by any rule, in any layer.
  const text = written.includes(MASK_START) ? blankedOut(written, maskSpans(written)) : written;
  const runs = base64Runs(text);
  const rules = candidateRules(text, runs);
  const direct = directMatches(text, rules);
  const layered = depth < MAX_DEPTH && (text.includes('%') || runs.some(isEncodedRun));
  const unescape =
    depth < MAX_DEPTH && text.includes('\\') && (rules.length > 0 || layered || hasHidingJsonEscape(text));
  if (direct.length === 0 && !layered && !unescape && !cut) return NO_MATCHES;
  let kept: RawMatch[] = [];
  for (const match of direct.toSorted(byStrength)) if (!overlapsAny(match, kept)) kept.push(match);
  if (layered || unescape) {
    // A key-value match (`private_key=…`) does not hide what its value holds under a layer (a
    // URL-encoded PEM key): the stronger of the two is kept, as between direct matches.
    const specific = kept.filter((match) => match.priority >= GENERIC_PRIORITY);
    const generic = kept.filter((match) => match.priority < GENERIC_PRIORITY);
    const encoded = encodedMatches(text, depth, specific, runs, unescape);
    kept = specific;
    for (const match of [...generic, ...encoded].sort(byStrength)) {
      if (!overlapsAny(match, kept)) kept.push(match);
    }
  }
  if (cut) {
    const edge = cutEdgeMatch(text) ?? cutUrlPasswordMatch(text) ?? cutKeyedValueMatch(text);
    if (edge !== undefined && !overlapsAny(edge, kept)) kept.push(edge);
  }
  return kept.sort(byStart);
}

function publicMatch({ type, start, end, fingerprint, encoding }: RawMatch): SecretMatch {
  return { type, start, end, fingerprint, encoding };
}

/**
 * Every secret in `text`, in order, including secrets written base64-, hex- or URL-encoded or
 * JSON-escaped, in layers; never one of our own masks.
 */
export function findSecrets(text: string, options?: ScanOptions): SecretMatch[] {
  return scan(text, 0, options?.truncated === true).map(publicMatch);
}

export function secretMask(
  match: Pick<SecretMatch, 'type' | 'fingerprint'> & { encoding?: SecretEncoding },
): string {
  const suffix = match.encoding === undefined || match.encoding === 'plain' ? '' : `:${match.encoding}`;
  return `[SECRET:${match.type}:${match.fingerprint}${suffix}]`;
}

/**
 * Masking replaces a secret's text and so its neighbours' context (a run of base64 it split, a
 * character a rule's look-behind sees): the masked text is scanned again until nothing more is found,
 * which makes masking idempotent. Each pass masks at least one more character; real text needs two.
 */
const MAX_MASK_PASSES = 8;

/**
 * `text` with every secret replaced by `[SECRET:<type>:<fingerprint>]`, with `:<encoding>` before
 * `]` for one written base64-, hex- or URL-encoded.
 */
export function maskSecrets(text: string, options?: ScanOptions): string {
  const cut = options?.truncated === true;
  let matches = scan(text, 0, cut);
  let masked = text;
  for (let pass = 1; matches.length > 0 && pass <= MAX_MASK_PASSES; pass++) {
    masked = withMasks(masked, matches);
    matches = pass < MAX_MASK_PASSES ? scan(masked, 0, cut) : NO_MATCHES;
  }
  return masked;
}

function withMasks(text: string, matches: readonly RawMatch[]): string {
  let out = '';
  let at = 0;
  for (const match of matches) {
    out += text.slice(at, match.start) + secretMask(match);
    at = match.end;
  }
  return out + text.slice(at);
}

const MASK_START = '[SECRET:';
/** A mask that `maskSecrets` wrote: `[SECRET:<type>:<fingerprint>]`, optionally `:<encoding>` before `]`. */
const MASK_TOKEN = /\[SECRET:([a-z0-9_]+):([0-9a-f]{8})(?::([a-z0-9_]+))?\]/g;
function maskSpans(text: string): readonly Span[] {
  return Array.from(text.matchAll(MASK_TOKEN), (m) => ({ start: m.index, end: m.index + m[0].length }));
}

/**
 * The secrets that were masked in `text` (by a receiver upstream, or in an earlier pass): what a
 * detector needs of a secret, its type, fingerprint and encoding, survives masking in the mask itself.
 */
export function findMaskedSecrets(text: string): SecretMatch[] {
  if (!text.includes(MASK_START)) return [];
  const found: SecretMatch[] = [];
  for (const m of text.matchAll(MASK_TOKEN)) {
    found.push({
      type: m[1]!,
      start: m.index,
      end: m.index + m[0].length,
      fingerprint: m[2]!,
      encoding: (m[3] as SecretEncoding | undefined) ?? 'plain',
    });
  }
  return found;
}

/** Secrets in `text` whether still raw or already masked, in order: what detectors look for. */
export function findSecretsOrMasks(text: string, options?: ScanOptions): SecretMatch[] {
  const masked = findMaskedSecrets(text);
  const raw = findSecrets(text, options);
  if (masked.length === 0) return raw;
  if (raw.length === 0) return masked;
  return [...raw, ...masked].sort((a, b) => a.start - b.start);
}
