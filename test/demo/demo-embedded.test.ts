import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertDemoSucceeded, runDemoCommand } from './demo-support.js';

test('mcptap demo on the embedded stack (mcptap local, chdb) detects every scenario and stores every event', async () => {
  const result = await runDemoCommand([]);
  assert.equal(result.summary.stack, 'embedded');
  assertDemoSucceeded(result);
});
