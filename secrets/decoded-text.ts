/**
 * Escape layers that a secret may hide under, decoded with a map back to the escaped text: a match
 * in the decoded text is masked at exactly the run of escaped text it came from. Each escape decodes
 * to one character, so the map is computed from the escapes alone, and only when a match needs it.
 */

/** Text decoded from escaped text, with where each decoded character came from. */
export interface DecodedText {
  text: string;
  /** Offset in the escaped text of decoded offset `at` (0 ≤ at ≤ text.length). */
  sourceOffset(at: number): number;
}

/** One layer of JSON string escapes; `\\\\n` decodes to `\\n`, the next layer to a line break. */
const JSON_ESCAPE = /\\(?:u[0-9a-fA-F]{4}|["\\/bfnrt])/g;
const JSON_SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/g;
const PERCENT_OR_PLUS = /%[0-9A-Fa-f]{2}|\+/g;

/** `text` with each match of `escape` replaced by the one character `decode` makes of it. */
function decodeEscapes(text: string, escape: RegExp, decode: (escape: string) => string): DecodedText {
  const decoded = text.replace(escape, decode);
  let offsets: Int32Array | undefined;
  return {
    text: decoded,
    sourceOffset(at) {
      offsets ??= escapeOffsets(text, escape, decoded.length);
      return offsets[at]!;
    },
  };
}

/** For each decoded offset, the offset in `text` it came from: escapes decode to one character. */
function escapeOffsets(text: string, escape: RegExp, decodedLength: number): Int32Array {
  const offsets = new Int32Array(decodedLength + 1);
  let decoded = 0;
  let source = 0;
  for (const m of text.matchAll(escape)) {
    while (source < m.index) offsets[decoded++] = source++;
    offsets[decoded++] = source;
    source += m[0].length;
  }
  while (source < text.length) offsets[decoded++] = source++;
  offsets[decoded] = text.length;
  return offsets;
}

/** `text` with one layer of JSON string escapes (`\"`, `\n`, `\u0041` …) decoded. */
export function jsonUnescape(text: string): DecodedText {
  return decodeEscapes(text, JSON_ESCAPE, (escape) =>
    escape[1] === 'u' ? String.fromCharCode(parseInt(escape.slice(2), 16)) : JSON_SIMPLE_ESCAPES[escape[1]!]!,
  );
}

/**
 * `text` percent-decoded byte by byte (a multi-byte UTF-8 sequence stays one character per byte:
 * secrets are ASCII); with `plusIsSpace`, `+` decodes to a space as in form encoding.
 */
export function percentDecode(text: string, plusIsSpace: boolean): DecodedText {
  return decodeEscapes(text, plusIsSpace ? PERCENT_OR_PLUS : PERCENT_ESCAPE, (escape) =>
    escape === '+' ? ' ' : String.fromCharCode(parseInt(escape.slice(1), 16)),
  );
}
