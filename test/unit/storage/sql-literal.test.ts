import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sqlLiteral } from '../../../storage/sql-literal.js';
import { QueryBuilder } from '../../../storage/query-builder.js';

describe('sqlLiteral', () => {
  it('quotes strings and escapes single quotes', () => {
    assert.equal(sqlLiteral("it's"), "'it\\'s'");
    assert.equal(sqlLiteral("''"), "'\\'\\''");
  });
  it('escapes backslashes before quotes so a trailing backslash cannot close the literal', () => {
    assert.equal(sqlLiteral('a\\'), "'a\\\\'");
    assert.equal(sqlLiteral("\\'"), "'\\\\\\''");
  });
  it('writes NUL and every other control character as \\xHH', () => {
    assert.equal(sqlLiteral('a\u0000b'), "'a\\x00b'");
    assert.equal(sqlLiteral('\n\r\t\u001b\u007f'), "'\\x0a\\x0d\\x09\\x1b\\x7f'");
  });
  it('passes unicode through unchanged', () => {
    assert.equal(sqlLiteral('ünï😀 — ✓'), "'ünï😀 — ✓'");
    assert.equal(sqlLiteral('\u202e\u200b'), "'\u202e\u200b'");
  });
  it('writes numbers, booleans, null and arrays, and refuses non-finite numbers', () => {
    assert.equal(sqlLiteral(42), '42');
    assert.equal(sqlLiteral(-1.5), '-1.5');
    assert.equal(sqlLiteral(true), '1');
    assert.equal(sqlLiteral(null), 'NULL');
    assert.equal(sqlLiteral(['a', "b'c"]), "['a', 'b\\'c']");
    assert.throws(() => sqlLiteral(Number.NaN), RangeError);
    assert.throws(() => sqlLiteral(Infinity), RangeError);
  });
  it('leaves no unescaped quote in any string', () => {
    for (const s of ["'", "\\'", "\\\\'", "a'b'c", "'; DROP TABLE t; --"]) {
      const body = sqlLiteral(s).slice(1, -1);
      assert.doesNotMatch(body.replace(/\\./g, ''), /'/);
    }
  });
});

describe('QueryBuilder', () => {
  it('emits typed parameters on modern servers', () => {
    const qb = new QueryBuilder({ version: '26.7.2.1', modern: true });
    const built = qb.build(
      `SELECT 1 WHERE a = ${qb.value("x'", 'String')} AND t >= ${qb.time(Date.UTC(2026, 0, 2, 3, 4, 5, 67))}`,
    );
    assert.equal(built.query, "SELECT 1 WHERE a = {p0:String} AND t >= {p1:DateTime64(3, 'UTC')}");
    assert.deepEqual(built.query_params, { p0: "x'", p1: '2026-01-02 03:04:05.067' });
  });
  it('emits audited literals and no parameters on old servers', () => {
    const qb = new QueryBuilder({ version: '18.16.1', modern: false });
    const built = qb.build(
      `SELECT 1 WHERE a = ${qb.value("x'", 'String')} AND t >= ${qb.time(Date.UTC(2026, 0, 2, 3, 4, 5, 67))}`,
    );
    assert.equal(built.query, "SELECT 1 WHERE a = 'x\\'' AND t >= toDateTime('2026-01-02 03:04:05', 'UTC')");
    assert.deepEqual(built.query_params, {});
  });
});
