import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  findSecrets,
  findSecretsOrMasks,
  maskRecord,
  maskSecrets,
  maskSecretsInText,
  type SecretMatch,
} from '../../../secrets/index.js';
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

describe('maskSecretsInText (the masker of the collector, the sink, dead letters and transcripts)', () => {
  const token = 'ghp_' + 'R8x2Kq9LmZ4vT7wYb3Nc6Hd1Jf5Gp0Se8Ua2';
  const mask = (text: string) => maskSecretsInText(text, { truncated: false });
  const texts = [
    `token=${token}`,
    `https://x.example/?t=${encodeURIComponent(`token=${token} x`)}`,
    `body ${Buffer.from(`token=${token}`).toString('base64')}`,
    `echo ${Buffer.from(`token=${token}`).toString('hex')}`,
    'https://deploy:hunter2horse@git.example/repo.git',
    'password: Tr0ub4dor&3xyz',
  ];

  it('keeps in the mask the type, fingerprint and encoding that detectors find in the raw text', () => {
    for (const text of texts) {
      const masked = mask(text);
      assert.notEqual(masked, text);
      const strip = ({ type, fingerprint, encoding }: SecretMatch) => ({ type, fingerprint, encoding });
      assert.deepEqual(findSecretsOrMasks(masked).map(strip), findSecrets(text).map(strip), text);
    }
  });

  it('leaves masks alone: masking masked text again changes nothing', () => {
    for (const text of texts) assert.equal(mask(mask(text)), mask(text), text);
  });
});
