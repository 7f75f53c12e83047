import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorMessage, isRecord } from '../../../model/index.js';

test('isRecord accepts plain objects and rejects null, arrays and primitives', () => {
  assert.equal(isRecord({}), true);
  assert.equal(isRecord({ a: 1 }), true);
  assert.equal(isRecord(null), false);
  assert.equal(isRecord([]), false);
  assert.equal(isRecord('x'), false);
  assert.equal(isRecord(undefined), false);
});

test('errorMessage gives an Error its message and anything else as a string', () => {
  assert.equal(errorMessage(new TypeError('bad input')), 'bad input');
  assert.equal(errorMessage('plain'), 'plain');
  assert.equal(errorMessage(42), '42');
  assert.equal(errorMessage(undefined), 'undefined');
});
