import { isEncodedBlob } from '../lint/text-shapes.js';

/**
 * What an argument value looks like, without keeping it: its JSON type, its encoding and, for a
 * path, its root. `argument_shape` learns these per tool and compares each call against them.
 */

export type ValueType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';
export type ValueEncoding = 'text' | 'json' | 'url_encoded' | 'hex' | 'base64' | 'binary';
/** Encodings that hide what a value says: one where only readable text was seen is a departure. */
export const OPAQUE_ENCODINGS: ReadonlySet<ValueEncoding> = new Set([
  'url_encoded',
  'hex',
  'base64',
  'binary',
]);

export interface ArgumentValue {
  /** `$.a`, `$.a.b`, `$.a[]` (array items share one path). */
  path: string;
  type: ValueType;
  /** Strings only. */
  length?: number;
  encoding?: ValueEncoding;
  root?: string;
}

// eslint-disable-next-line no-control-regex -- control characters are what make a value binary
const CONTROL = /[\u0000-\u0008\u000e-\u001f\ufffd]/;
const PERCENT_ESCAPE = /%[0-9a-f]{2}/gi;
const WHITESPACE = /\s/;
const LONG_RUN = /[A-Za-z0-9+/=_-]{16,}/g;
const HEX = /^[0-9a-f]+$/i;
const SLASH = /\//g;
const ABSOLUTE_PATH = /^(?:\/|~\/|[A-Za-z]:[\\/])/;
const PATH_SEPARATOR = /[\\/]+/;
const MAX_JSON_PROBE = 1 << 16;
const MAX_ROOT_LENGTH = 80;

function looksLikeJson(text: string): boolean {
  const first = text[0];
  const last = text[text.length - 1];
  if (!((first === '{' && last === '}') || (first === '[' && last === ']')) || text.length > MAX_JSON_PROBE)
    return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The encoding of a string value; an embedded blob counts, since prose can carry one. */
export function valueEncoding(text: string, blobMinLength: number): ValueEncoding {
  if (CONTROL.test(text)) return 'binary';
  const trimmed = text.trim();
  if (looksLikeJson(trimmed)) return 'json';
  if (!WHITESPACE.test(trimmed) && (trimmed.match(PERCENT_ESCAPE)?.length ?? 0) >= 3) return 'url_encoded';
  LONG_RUN.lastIndex = 0;
  for (let m = LONG_RUN.exec(text); m !== null; m = LONG_RUN.exec(text)) {
    const run = m[0];
    // Paths are runs of these characters too, with a separator every few characters.
    const slashes = run.match(SLASH)?.length ?? 0;
    if (slashes <= run.length / 24 + 1 && isEncodedBlob(run, blobMinLength)) {
      LONG_RUN.lastIndex = 0;
      return HEX.test(run) ? 'hex' : 'base64';
    }
  }
  return 'text';
}

/** The first `depth` segments of an absolute path (`/srv/data`, `~/.ssh`, `C:\Users`), or undefined. */
export function pathRoot(text: string, depth: number): string | undefined {
  if (!ABSOLUTE_PATH.test(text) || text.includes('://') || text.includes('\n')) return undefined;
  const absolute = text.startsWith('/');
  const segments = text.split(PATH_SEPARATOR).filter((s) => s !== '');
  if (segments.length <= depth) return undefined; // the root itself is not a path below it
  const root = `${absolute ? '/' : ''}${segments.slice(0, depth).join('/')}`;
  return root.slice(0, MAX_ROOT_LENGTH);
}

function typeOf(value: unknown): ValueType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' ? type : 'object';
}

export interface WalkLimits {
  /** Object nesting followed (1: top-level keys only). */
  depth: number;
  maxValues: number;
  blobMinLength: number;
  rootDepth: number;
}

/** The shapes of a call's argument values, at most `maxValues` of them. */
export function argumentValues(args: unknown, limits: WalkLimits): ArgumentValue[] {
  const out: ArgumentValue[] = [];
  const visit = (value: unknown, path: string, depth: number): void => {
    if (out.length >= limits.maxValues) return;
    const type = typeOf(value);
    if (type === 'string') {
      const text = value as string;
      out.push({
        path,
        type,
        length: text.length,
        encoding: valueEncoding(text, limits.blobMinLength),
        root: pathRoot(text, limits.rootDepth),
      });
      return;
    }
    out.push({ path, type });
    if (depth >= limits.depth) return;
    if (type === 'array') {
      for (const item of value as unknown[]) visit(item, `${path}[]`, depth + 1);
    } else if (type === 'object') {
      for (const [key, child] of Object.entries(value as object)) visit(child, `${path}.${key}`, depth + 1);
    }
  };
  if (typeOf(args) !== 'object') return out;
  for (const [key, child] of Object.entries(args as object)) visit(child, `$.${key}`, 1);
  return out;
}
