import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSecrets, maskSecrets, secretFingerprint, SECRET_RULES } from '../../../secrets/index.js';
import { cases, gh } from './secret-samples.js';

for (const c of cases) {
  test(`finds a ${c.type}`, () => {
    const found = findSecrets(c.positive);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]?.type, c.type);
  });
  test(`does not flag a ${c.type} look-alike`, () => {
    assert.deepEqual(
      findSecrets(c.negative).map((m) => m.type),
      [],
    );
  });
}

test('reports the span of the secret value only, not its key', () => {
  const text = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const [match] = findSecrets(text);
  assert.equal(text.slice(match?.start, match?.end), 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
});

test('finds a private key inside JSON-escaped text', () => {
  const text = JSON.stringify({
    content: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n',
  });
  assert.deepEqual(
    findSecrets(text).map((m) => m.type),
    ['private_key'],
  );
});

test('finds secrets written base64-, hex- and URL-encoded, with the same fingerprint', () => {
  const plain = findSecrets(`token ${gh}`)[0];
  const b64 = findSecrets(`https://x.example/?d=${Buffer.from(`token ${gh}`).toString('base64')}`)[0];
  const hex = findSecrets(`data ${Buffer.from(gh).toString('hex')}`)[0];
  const url = findSecrets(`https://x.example/?q=${encodeURIComponent(`password=${'Tr0ub4dor&3xyz'}`)}`)[0];
  assert.equal(b64?.encoding, 'base64');
  assert.equal(b64?.type, 'github_token');
  assert.equal(b64?.fingerprint, plain?.fingerprint);
  assert.equal(hex?.encoding, 'hex');
  assert.equal(hex?.fingerprint, plain?.fingerprint);
  assert.equal(url?.encoding, 'url');
  assert.equal(url?.type, 'password');
});

test('finds a secret base64-encoded inside URL-encoding', () => {
  const text = `u=${encodeURIComponent(Buffer.from(`k=${gh}`).toString('base64'))}`;
  assert.deepEqual(
    findSecrets(text).map((m) => m.type),
    ['github_token'],
  );
});

test('ignores base64 that decodes to binary and ordinary hashes', () => {
  const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  assert.deepEqual(findSecrets(`sha256 ${sha} and ${Buffer.alloc(60, 7).toString('base64')}`), []);
});

test('prefers the specific rule over the generic one on the same value', () => {
  assert.deepEqual(
    findSecrets(`api_key=${gh}`).map((m) => m.type),
    ['github_token'],
  );
});

test('masks every secret and never leaves the value in the output', () => {
  const text = `key AKIAZ3MQXKF2W7YHQ4PL and ${gh} end`;
  const masked = maskSecrets(text);
  assert.equal(
    masked,
    `key [SECRET:aws_access_key_id:${secretFingerprint('AKIAZ3MQXKF2W7YHQ4PL')}] and [SECRET:github_token:${secretFingerprint(gh)}] end`,
  );
  assert.ok(!masked.includes(gh));
});

test('leaves text without secrets unchanged', () => {
  const text = 'Read the README; call list_files with path "docs/" before editing.';
  assert.equal(maskSecrets(text), text);
});

// The quick checks decide which rules run at all: each must pass wherever its rule's pattern matches.
const BASE64_ALPHABET_ONLY = /^[A-Za-z0-9+/_-]+$/;

/** Deterministic variants of the samples: case flips, inserted and dropped characters, contexts. */
function sampleVariants(): string[] {
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const contexts: Array<[string, string]> = [
    ['', ''],
    ['x', 'y'],
    ['"', '"'],
    ['key: ', '\n'],
    ['aws_secret = ', ' '],
    ['PASSWORD\u00a0:\t"', '";'],
  ];
  const inserts = [...'aZ09+/_-=.: %"\'@\u00a0'];
  const out: string[] = [];
  for (const c of cases) {
    for (const text of [c.positive, c.negative]) {
      out.push(JSON.stringify({ text }), text.toUpperCase(), text.toLowerCase());
      for (const [before, after] of contexts) out.push(before + text + after);
      for (let i = 0; i < 60; i++) {
        const chars = [...text];
        for (let edits = 1 + random(3); edits > 0; edits--) {
          const at = random(chars.length);
          const kind = random(3);
          if (kind === 0)
            chars[at] =
              chars[at] === chars[at]?.toLowerCase() ? chars[at]!.toUpperCase() : chars[at]!.toLowerCase();
          else if (kind === 1) chars.splice(at, 0, inserts[random(inserts.length)]!);
          else chars.splice(at, 1);
        }
        const [before, after] = contexts[random(contexts.length)]!;
        out.push(before + chars.join('') + after);
      }
    }
  }
  return out;
}

test('every quick check passes wherever its rule matches, on the samples and their variants', () => {
  const checked = new Map<string, number>();
  for (const text of sampleVariants()) {
    for (const rule of SECRET_RULES) {
      for (const m of text.matchAll(rule.pattern)) {
        checked.set(rule.type, (checked.get(rule.type) ?? 0) + 1);
        if (rule.withinRun === undefined) {
          assert.ok(rule.quickCheck.test(text), `${rule.type} quick check misses ${JSON.stringify(text)}`);
        } else {
          assert.match(m[0], BASE64_ALPHABET_ONLY, `${rule.type} match outside the alphabet`);
          assert.ok(m[0].length >= rule.withinRun, `${rule.type} match shorter than withinRun: ${m[0]}`);
          assert.ok(rule.quickCheck.test(m[0]), `${rule.type} quick check misses ${JSON.stringify(m[0])}`);
        }
      }
    }
  }
  assert.deepEqual(
    SECRET_RULES.filter((rule) => (checked.get(rule.type) ?? 0) < 10).map((rule) => rule.type),
    [],
  );
});

test('quick checks keep no state between texts', () => {
  for (const { quickCheck } of SECRET_RULES) {
    if (quickCheck instanceof RegExp) assert.ok(!quickCheck.global && !quickCheck.sticky, quickCheck.source);
  }
});

test('finds every sample written base64-, hex- or URL-encoded, between words, and masks it', () => {
  for (const c of cases) {
    for (const encoded of [
      Buffer.from(c.positive).toString('base64'),
      Buffer.from(c.positive).toString('hex'),
      encodeURIComponent(c.positive),
    ]) {
      const text = `see ${encoded} above`;
      assert.deepEqual(
        findSecrets(text).map((m) => m.type),
        [c.type],
        text,
      );
      assert.ok(!maskSecrets(text).includes(encoded), text);
    }
  }
});

test('finds a key assigned in any case, with quotes, plural keys and non-ASCII spaces', () => {
  for (const text of [
    `"API_KEYS" : "q8Zr3mK9vL2xP7nW4bT6"`,
    `Client_Secret\u00a0=\u2003q8Zr3mK9vL2xP7nW4bT6`,
    `my_credentialss=q8Zr3mK9vL2xP7nW4bT6`,
    `DB_PassPhrase => Tr0ub4dor&3xyz`,
  ]) {
    assert.equal(findSecrets(text).length, 1, text);
  }
});

test('reports an encoded secret at its exact span wherever the run starts', () => {
  const encoded = Buffer.from(`k=${gh}`).toString('base64');
  for (let offset = 0; offset < 60; offset++) {
    const before = `${'ab cd-ef '.repeat(10).slice(0, offset)} `;
    const found = findSecrets(`${before}${encoded}.`);
    assert.deepEqual(
      found.map(({ start, end, encoding }) => ({ start, end, encoding })),
      [{ start: before.length, end: before.length + encoded.length, encoding: 'base64' }],
      `offset ${offset}`,
    );
  }
});

test('decodes base64 runs of 24 characters, not shorter', () => {
  const run24 = Buffer.from('pwd=Tr0ub4dor&3xyz').toString('base64');
  const run23 = Buffer.from('pwd=Tr0ub4dor&3xy').toString('base64');
  assert.equal(run24.length, 24);
  assert.equal(run23.replace(/=+$/, '').length, 23);
  assert.deepEqual(
    findSecrets(`(${run24})`).map((m) => m.encoding),
    ['base64'],
  );
  assert.deepEqual(findSecrets(`(${run23})`), []);
});

test('decodes a base64 run only when at least 95 % of it is printable', () => {
  const secret = `k=${gh}`;
  const withBinary = (bytes: number) =>
    Buffer.concat([Buffer.from(secret), Buffer.alloc(bytes, 0x01)]).toString('base64');
  // 44 printable bytes: 2 others leave 95.7 %, 3 leave 93.6 %.
  assert.equal(findSecrets(withBinary(2)).length, 1);
  assert.deepEqual(findSecrets(withBinary(3)), []);
});
