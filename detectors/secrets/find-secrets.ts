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
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
const HEX_RUN = /(?<![0-9A-Za-z])(?:[0-9a-fA-F]{2}){12,}(?![0-9A-Za-z])/g;
const PERCENT_RUN = /(?:[^\s%"'<>]*%[0-9A-Fa-f]{2})+[^\s%"'<>]*/g;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

export function secretFingerprint(value: string): string {
  return sha256Hex(value).slice(0, 8);
}

function isMostlyPrintable(text: string): boolean {
  if (text.length === 0) return false;
  let printable = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09) printable++;
  }
  return printable / text.length >= 0.95;
}

interface RawMatch extends SecretMatch {
  priority: number;
}

function directMatches(text: string, rules: readonly SecretRule[]): RawMatch[] {
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

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
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

function encodedMatches(text: string, depth: number, taken: readonly RawMatch[]): RawMatch[] {
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
  for (const [runPattern, encoding] of [
    [HEX_RUN, 'hex'],
    [BASE64_RUN, 'base64'],
  ] as const) {
    for (const m of text.matchAll(runPattern)) {
      const start = m.index;
      const end = m.index + m[0].length;
      if (!free(start, end)) continue;
      const decoded = Buffer.from(m[0], encoding === 'hex' ? 'hex' : 'base64').toString('latin1');
      if (!isMostlyPrintable(decoded)) continue;
      const inner = scan(decoded, depth + 1)[0];
      if (inner !== undefined) found.push({ ...inner, start, end, encoding, priority: 0 });
    }
  }
  return found;
}

function scan(text: string, depth: number): RawMatch[] {
  const direct = directMatches(text, SECRET_RULES);
  // Specific rules win over generic ones on overlapping text; then the longer match.
  direct.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: RawMatch[] = [];
  for (const match of direct) if (!kept.some((k) => overlaps(k, match))) kept.push(match);
  if (depth < MAX_DEPTH) kept.push(...encodedMatches(text, depth, kept));
  return kept.sort((a, b) => a.start - b.start);
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
