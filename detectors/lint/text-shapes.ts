import { findSecretsOrMasks, maskSecrets } from '../../secrets/index.js';
import type { DetectorRules, TextShape } from '../config/detector-rules.js';

/**
 * The shapes of text aimed at the model rather than the user — shared by catalog lint (T01) and
 * injected-result detection (T02), so that a description and a tool result are judged alike.
 */

export interface ShapeHit {
  shape: TextShape;
  start: number;
  end: number;
}

const HTML_COMMENT = /<!--([\s\S]*?)(?:-->|$)/g;
// Zero-width and joiners, bidi controls, word joiner/invisible operators, BOM, soft hyphen,
// Unicode tag characters (ASCII smuggling) and the variation selectors supplement.
const INVISIBLE =
  /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|\udb40[\udc00-\udc7f]|\udb40[\udd00-\uddef]/g;
const LONG_RUN = /[A-Za-z0-9+/=_-]{16,}/g;

/** A run of base64/hex characters long and mixed enough to be an encoded blob rather than a word or path. */
export function isEncodedBlob(run: string, minLength: number): boolean {
  if (run.length < minLength) return false;
  if (/^[0-9a-fA-F]+$/.test(run)) return true;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(run)).length;
  return classes === 3 && !/[_-]{2}/.test(run);
}

/** Up to `limit` non-empty matches of a global pattern (exec: matchAll would clone the RegExp per call). */
function collect(pattern: RegExp, text: string, shape: TextShape, out: ShapeHit[], limit = 3): void {
  let count = 0;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    out.push({ shape, start: m.index, end: m.index + m[0].length });
    if (++count >= limit) break;
  }
  pattern.lastIndex = 0;
}

// Legitimate uses of invisible characters: a joiner inside an emoji sequence (👩‍💻) or between
// letters of a script that needs it (Persian, Indic), a direction mark beside right-to-left letters,
// and the tag characters of a subdivision flag (🏴 + tags + cancel tag).
const EMOJI_BEFORE_JOINER = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]$/u;
const EMOJI_AFTER_JOINER = /^\p{Extended_Pictographic}/u;
const JOINED_LETTER = /[\p{L}\p{M}]/u;
const RIGHT_TO_LEFT = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}]/u;
const FLAG_TAGS = /\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,6}\u{E007F}/gu;

function isLegitimateInvisible(text: string, start: number, end: number): boolean {
  const ch = text.charCodeAt(start);
  const before = text.slice(Math.max(0, start - 2), start);
  const after = text.slice(end, end + 2);
  if (ch === 0x200d || ch === 0x200c) {
    if (EMOJI_BEFORE_JOINER.test(before) && EMOJI_AFTER_JOINER.test(after)) return true;
    const prev = before.slice(-1);
    const next = after.slice(0, 1);
    return prev > '\u007f' && next > '\u007f' && JOINED_LETTER.test(prev) && JOINED_LETTER.test(next);
  }
  if (ch === 0x200e || ch === 0x200f) return RIGHT_TO_LEFT.test(before + after);
  return zeroWidthBesideSpace(text, start);
}

// A few zero-width spaces beside a space (docs pasted from a web page) hide nothing; a run that
// encodes data, or one inside a word that splits a keyword, does.
const ZERO_WIDTH = /[\u200b-\u200d\u2060]/;
function zeroWidthBesideSpace(text: string, start: number): boolean {
  let from = start;
  let to = start;
  while (from > 0 && ZERO_WIDTH.test(text[from - 1] ?? '')) from--;
  while (to < text.length && ZERO_WIDTH.test(text[to] ?? '')) to++;
  if (to - from > 3 || to === from) return false;
  return /\s/.test(text[from - 1] ?? '') || /\s/.test(text[to] ?? '');
}

function findInvisible(text: string, out: ShapeHit[]): void {
  INVISIBLE.lastIndex = 0;
  if (!INVISIBLE.test(text)) return;
  const flags: Array<[number, number]> = [];
  if (text.includes('\u{1F3F4}')) {
    for (const m of text.matchAll(FLAG_TAGS)) flags.push([m.index, m.index + m[0].length]);
  }
  INVISIBLE.lastIndex = 0;
  for (let m = INVISIBLE.exec(text); m !== null; m = INVISIBLE.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (flags.some(([from, to]) => start >= from && end <= to)) continue;
    if (isLegitimateInvisible(text, start, end)) continue;
    out.push({ shape: 'invisible_unicode', start, end });
    break;
  }
  INVISIBLE.lastIndex = 0;
}

const byStart = (a: ShapeHit, b: ShapeHit): number => a.start - b.start;

/** Every shape found in `text` (a few hits per shape), in text order. */
export function findTextShapes(
  text: string,
  rules: DetectorRules,
  only?: ReadonlySet<TextShape>,
): ShapeHit[] {
  const hits: ShapeHit[] = [];
  const want = (shape: TextShape) => only === undefined || only.has(shape);
  const c = rules.compiled;
  if (want('hidden_comment') && text.includes('<!--')) {
    for (const m of text.matchAll(HTML_COMMENT)) {
      // A comment is hidden from a rendered view but read by the model; flag it when it says something.
      if (/[a-z]{3,}\s+[a-z]{2,}/i.test(m[1] ?? '')) {
        hits.push({ shape: 'hidden_comment', start: m.index, end: m.index + m[0].length });
      }
    }
  }
  if (want('pseudo_tag')) collect(c.pseudoTag, text, 'pseudo_tag', hits);
  if (want('model_directive')) collect(c.modelDirective, text, 'model_directive', hits);
  if (want('secrecy')) collect(c.secrecy, text, 'secrecy', hits);
  if (want('tool_instruction')) collect(c.toolInstruction, text, 'tool_instruction', hits);
  if (want('sensitive_path')) collect(c.sensitivePath, text, 'sensitive_path', hits);
  if (want('credential_word')) collect(c.credentialWord, text, 'credential_word', hits, 1);
  if (want('invisible_unicode')) findInvisible(text, hits);
  if (want('encoded_blob')) {
    for (const m of text.matchAll(LONG_RUN)) {
      if (isEncodedBlob(m[0], rules.text_shapes.encoded_blob_min_length)) {
        hits.push({ shape: 'encoded_blob', start: m.index, end: m.index + m[0].length });
        break;
      }
    }
  }
  return hits.sort(byStart);
}

/** Invisible characters written as `<U+200B>`, and Unicode tag characters decoded to the ASCII they hide. */
export function revealInvisible(text: string): string {
  return text.replace(INVISIBLE, (ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xe0020 && cp <= 0xe007e) return String.fromCharCode(cp - 0xe0000);
    return `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

/** Moves `index` back off the second half of a surrogate pair, so a cut there splits no character. */
function wholeCharIndex(text: string, index: number): number {
  const code = text.charCodeAt(index);
  const before = text.charCodeAt(index - 1);
  return code >= 0xdc00 && code <= 0xdfff && before >= 0xd800 && before <= 0xdbff ? index - 1 : index;
}

/** `text.slice(start, end)` that never cuts a character (emoji, tag characters) in half. */
export function sliceWhole(text: string, start: number, end = text.length): string {
  return text.slice(wholeCharIndex(text, start), wholeCharIndex(text, Math.min(end, text.length)));
}

/** A short, masked, single-line excerpt around a hit, safe to print and to put in an alert. */
export function excerptAround(text: string, start: number, end: number, radius = 60): string {
  let from = Math.max(0, start - radius);
  let to = Math.min(text.length, end + radius);
  // Widen to whole secrets so that a cut never leaves part of one unmasked.
  for (const secret of findSecretsOrMasks(text)) {
    if (secret.start < to && secret.end > from) {
      from = Math.min(from, secret.start);
      to = Math.max(to, secret.end);
    }
  }
  const body = revealInvisible(maskSecrets(sliceWhole(text, from, to)))
    .replace(/\s+/g, ' ')
    .trim();
  const clipped = body.length > 240 ? `${sliceWhole(body, 0, 240)}…` : body;
  return `${from > 0 ? '…' : ''}${clipped}${to < text.length ? '…' : ''}`;
}
