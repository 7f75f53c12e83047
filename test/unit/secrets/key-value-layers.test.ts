import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { findSecrets, maskSecrets } from '../../../secrets/index.js';

const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString()
  .trimEnd();
const body = pem.split('\n')[3]!;

test('a key-value match does not hide a URL-encoded private key under its value', () => {
  for (const text of [
    `https://collect.example/c?private_key=${encodeURIComponent(pem)}`,
    `![x](https://collect.example/c?private_key=${encodeURIComponent(pem)})`,
    JSON.stringify({ url: `https://collect.example/c?secret=${encodeURIComponent(pem)}` }),
  ]) {
    const [found] = findSecrets(text);
    assert.equal(found?.type, 'private_key');
    assert.equal(found?.encoding, 'url');
    const masked = maskSecrets(text);
    assert.ok(!masked.includes(encodeURIComponent(body).slice(0, 16)), masked.slice(0, 120));
  }
});

test('a URL password cut off at the end of truncated content is masked, a port is not', () => {
  const cut = 'settings: DATABASE_URL=postgres://billing_app:Xy7abcDEF12';
  assert.equal(
    maskSecrets(cut, { truncated: true }).includes('Xy7abcDEF12'),
    false,
    'the cut password stays in clear',
  );
  assert.match(maskSecrets(cut, { truncated: true }), /\[SECRET:url_credentials:[0-9a-f]{8}\]$/);
  assert.equal(maskSecrets(cut), cut, 'only truncated text has a cut edge');
  assert.equal(
    maskSecrets('see https://example.com:8080', { truncated: true }),
    'see https://example.com:8080',
  );
});
