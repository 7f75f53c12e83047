import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maskRecord, maskSecrets } from '../../../secrets/index.js';
import { scriptedSession } from '../../storage/scenario.js';

describe('maskRecord', () => {
  it('returns the very record when no string in it holds a secret', () => {
    for (const event of scriptedSession({ tenant: 't', sessionId: 's', startMs: 0 }).events) {
      assert.equal(maskRecord(event, maskSecrets), event, event.kind);
    }
  });

  it('masks a copy and leaves the original record and its unchanged parts as they were', () => {
    const scenario = scriptedSession({ tenant: 't', sessionId: 's', startMs: 0, withSecrets: true });
    const event = scenario.events.find(
      (e) => e.kind === 'tool_call' && e.result.text.includes('PRIVATE KEY'),
    );
    assert.ok(event !== undefined && event.kind === 'tool_call');
    const before = structuredClone(event);
    const masked = maskRecord(event, maskSecrets);
    assert.ok(masked.kind === 'tool_call');
    assert.notEqual(masked, event);
    assert.deepEqual(event, before);
    assert.match(masked.result.text, /\[SECRET:private_key:[0-9a-f]{8}\]/);
    for (const secret of scenario.secrets) assert.ok(!JSON.stringify(masked).includes(secret));
    assert.equal(masked.arguments, event.arguments);
    assert.equal(masked.result.sha256, event.result.sha256);
  });
});
