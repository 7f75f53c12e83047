/**
 * The one function that turns a value into SQL text. Only old servers (no query parameters) get
 * literals; everything untrusted that reaches SQL text goes through here.
 */

export type SqlValue = string | number | boolean | null | readonly SqlValue[];

// Backslash and quote get their escape; every other control character (including NUL) becomes
// \xHH, so a literal never contains a raw byte that a parser could treat specially.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPED = /[\\'\u0000-\u001f\u007f]/g;

function escapeChar(char: string): string {
  if (char === '\\') return '\\\\';
  if (char === "'") return "\\'";
  return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replace(ESCAPED, escapeChar)}'`;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} as a SQL literal`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((item: SqlValue) => sqlLiteral(item)).join(', ')}]`;
  throw new TypeError(`cannot write a ${typeof value} as a SQL literal`);
}
