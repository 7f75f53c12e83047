// Runs of the base64 alphabet that cannot decode to text are ruled out before they are decoded;
// the secrets encoded in runs that can are still found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSecrets, secretFingerprint } from '../../../secrets/index.js';

// Built at run time so that the repository itself holds no scanner-triggering literals.
const awsKey = 'AKIA' + 'Z3MQXKF2W7YHQ4PL';
const privateKey = [
  '-----BEGIN RSA PRIV' + 'ATE KEY-----',
  'MIIEowIBAAKCAQEA7bq3',
  '-----END RSA PRIV' + 'ATE KEY-----',
].join('\n');
const secrets = [
  { type: 'aws_access_key_id', plain: `aws_access_key_id = ${awsKey}` },
  { type: 'private_key', plain: privateKey },
];
const encodings = ['base64', 'hex'] as const;

/** The one secret found in `text`, with where it was found. */
function onlySecret(text: string) {
  const found = findSecrets(text);
  assert.equal(found.length, 1, JSON.stringify(found));
  const [match] = found;
  return { ...match!, written: text.slice(match!.start, match!.end) };
}

test('finds an AWS key and a private key written base64 or hex, with the fingerprint of the plain one', () => {
  for (const { type, plain } of secrets) {
    const fingerprint = onlySecret(plain).fingerprint;
    for (const encoding of encodings) {
      const encoded = Buffer.from(plain).toString(encoding);
      const match = onlySecret(`data: ${encoded} end`);
      assert.deepEqual(
        {
          type: match.type,
          encoding: match.encoding,
          written: match.written,
          fingerprint: match.fingerprint,
        },
        { type, encoding, written: encoded, fingerprint },
        `${type} in ${encoding}`,
      );
    }
  }
});

test('finds them at the end of a long encoded document that starts like padding', () => {
  // `aaa…` encodes to `YWFhYWFh…` and `616161…`: runs of two or three characters for a kilobyte
  // or more, then the secret. Longer documents are longer than the part read before decoding.
  for (const padding of [1200, 6000]) {
    for (const { type, plain } of secrets) {
      const document = `${'a'.repeat(padding)}\n${plain}\n`;
      for (const encoding of encodings) {
        const encoded = Buffer.from(document).toString(encoding);
        const match = onlySecret(`"blob": "${encoded}"`);
        assert.deepEqual(
          { type: match.type, encoding: match.encoding, written: match.written },
          { type, encoding, written: encoded },
          `${type} after ${padding} bytes in ${encoding}`,
        );
        assert.equal(match.fingerprint, secretFingerprint(type === 'private_key' ? plain : awsKey));
      }
    }
  }
});

test('finds a hex-encoded key after a run of one repeated hex digit in the same base64 run', () => {
  const hex = Buffer.from(`aws_access_key_id = ${awsKey}`).toString('hex');
  for (const separator of ['+', '/', '_', '-']) {
    const match = onlySecret(`pad ${'a'.repeat(1200)}${separator}${hex} end`);
    assert.equal(match.type, 'aws_access_key_id');
    assert.equal(match.encoding, 'hex');
    assert.equal(match.written, hex, separator);
  }
});

test('rules out a long run of one repeated character, or two, without decoding it', (t) => {
  const from = t.mock.method(Buffer, 'from');
  for (const run of [...'aAf09z_+'].map((c) => c.repeat(1200)).concat('ab'.repeat(600), 'a'.repeat(420))) {
    assert.deepEqual(findSecrets(`{"path":"/src/module.ts","pad":"${run}"}`), [], run.slice(0, 2));
  }
  assert.equal(from.mock.callCount(), 0);
  // A run that may be text is decoded (and holds no secret).
  assert.deepEqual(findSecrets(Buffer.from('just a harmless sentence, nothing more').toString('base64')), []);
  assert.ok(from.mock.callCount() > 0);
});

test('reads key names by their ASCII letters only, as the rules’ patterns match them', () => {
  const value = 'q8Zr3mK9vL2xP7nW4bT6';
  assert.deepEqual(
    findSecrets(`API_KEYS = ${value}`).map((m) => m.type),
    ['generic_secret'],
  );
  // KELVIN SIGN lower-cases to `k`, but a case-insensitive regex without `u` does not take it for one.
  assert.deepEqual(findSecrets(`api_\u212Aey = ${value}`), []);
});
