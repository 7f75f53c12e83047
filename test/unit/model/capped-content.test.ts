import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHash, capContent } from '../../../model/index.js';

describe('capContent', () => {
  it('keeps short content whole', () => {
    const c = capContent('héllo', 100);
    assert.equal(c.text, 'héllo');
    assert.equal(c.truncated, false);
    assert.equal(c.bytes, 6);
  });
  it('truncates on a character boundary and keeps the full length and hash', () => {
    const text = 'é'.repeat(10);
    const c = capContent(text, 5);
    assert.equal(c.text, 'éé');
    assert.equal(c.truncated, true);
    assert.equal(c.bytes, 20);
    assert.equal(c.sha256, capContent(text, 100).sha256);
  });
});

describe('canonicalHash', () => {
  it('is stable under key order and whitespace', () => {
    assert.equal(
      canonicalHash(JSON.parse('{"b":1,"a":[{"y":2,"x":1}]}')),
      canonicalHash({ a: [{ x: 1, y: 2 }], b: 1 }),
    );
  });
  it('differs when a value differs', () => {
    assert.notEqual(canonicalHash({ a: 1 }), canonicalHash({ a: 2 }));
  });
});
