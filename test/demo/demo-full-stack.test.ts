import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureInfra } from '../support/infra.js';
import { assertDemoSucceeded, runDemoCommand } from './demo-support.js';

test('mcptap demo on the full stack (real Kafka, ClickHouse 18.16, Alertmanager) detects every scenario at Alertmanager', async () => {
  await ensureInfra();
  const result = await runDemoCommand(['--stack', 'full', '--keep']);
  assert.equal(result.summary.stack, 'full');
  assertDemoSucceeded(result);
});
