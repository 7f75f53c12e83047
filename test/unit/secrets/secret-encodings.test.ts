// A secret is found under any layer of encoding, masked at exactly the run that encodes it, with one
// fingerprint whatever the encoding; a token cut off at a truncated text's end is masked too; a mask
// is never masked again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { findMaskedSecrets, findSecrets, maskSecrets, type SecretMatch } from '../../../secrets/index.js';
import { cases, gh } from './secret-samples.js';

const json = (text: string, depth: number): string => {
  let out = text;
  for (let i = 0; i < depth; i++) out = JSON.stringify({ content: out });
  return out;
};

/** Every way a sample is written in the tests below, by name. */
const encodings: Record<string, (plain: string) => string> = {
  'JSON-escaped once': (plain) => json(plain, 1),
  'JSON-escaped twice': (plain) => json(plain, 2),
  'JSON-escaped three times': (plain) => json(plain, 3),
  'URL-encoded': (plain) => `https://x.example/?q=${encodeURIComponent(plain)}`,
  'form-encoded': (plain) => `q=${encodeURIComponent(plain).replace(/%20/g, '+')}`,
  base64: (plain) => Buffer.from(plain).toString('base64'),
  'base64url without padding': (plain) => Buffer.from(plain).toString('base64url'),
  hex: (plain) => Buffer.from(plain).toString('hex'),
  'JSON in base64': (plain) => Buffer.from(json(plain, 1)).toString('base64'),
  'URL-encoded JSON': (plain) => `d=${encodeURIComponent(json(plain, 1))}`,
  'JSON-escaped base64': (plain) => json(`blob ${Buffer.from(plain).toString('base64')}`, 2),
  'JSON with \\u escapes': (plain) =>
    JSON.stringify(plain).replace(
      /[=&:/"<>+]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ),
  'JSON with escaped slashes': (plain) => JSON.stringify({ content: plain }).replace(/\//g, '\\/'),
};

/** The one secret found in `text`. */
function onlySecret(text: string, label: string): SecretMatch {
  const found = findSecrets(text);
  assert.equal(found.length, 1, `${label}: ${JSON.stringify(found)} in ${text}`);
  return found[0]!;
}

/** `text` masked: the secret is gone, and exactly one mask with its type and fingerprint is left. */
function assertMasked(text: string, { type, fingerprint }: SecretMatch, label: string): string {
  const masked = maskSecrets(text);
  assert.deepEqual(findSecrets(masked), [], `${label}: ${masked}`);
  assert.deepEqual(
    findMaskedSecrets(masked).map((m) => [m.type, m.fingerprint]),
    [[type, fingerprint]],
    `${label}: ${masked}`,
  );
  return masked;
}

const realKeys = (['pkcs1', 'pkcs8'] as const).map((type) =>
  generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type, format: 'pem' }).toString(),
);
const samples = [
  ...cases.map(({ type, positive }) => ({ type, plain: positive })),
  ...realKeys.map((plain) => ({ type: 'private_key', plain })),
];

test('finds every secret type under every encoding layer, with the fingerprint of the plain secret', () => {
  for (const { type, plain } of samples) {
    const found = onlySecret(plain, `${type} plain`);
    assert.equal(found.type, type);
    assertMasked(plain, found, `${type} plain`);
    for (const [name, encode] of Object.entries(encodings)) {
      const text = `see ${encode(plain)} above`;
      const label = `${type} ${name}`;
      const match = onlySecret(text, label);
      assert.deepEqual([match.type, match.fingerprint], [type, found.fingerprint], label);
      assertMasked(text, match, label);
    }
  }
});

test('gives a PEM key one fingerprint however its layout is written', () => {
  for (const pem of realKeys) {
    const { fingerprint } = onlySecret(pem, 'plain');
    const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s/g, '');
    const [begin, end] = pem.match(/-----[A-Z ]+-----/g)!;
    const layouts = {
      CRLF: pem.replace(/\n/g, '\r\n'),
      'wrapped at 76': `${begin}\n${body.replace(/(.{76})/g, '$1\n')}\n${end}\n`,
      'on one line': `${begin}${body}${end}`,
      'whitespace stripped, URL-encoded': `key=${encodeURIComponent(pem.replace(/\s/g, ''))}`,
      'spaces in place of line breaks': pem.replace(/\n/g, ' '),
      'JSON-escaped, then its line breaks escaped again': JSON.stringify(JSON.stringify(pem)),
    };
    for (const [name, text] of Object.entries(layouts)) {
      const match = onlySecret(text, name);
      assert.deepEqual([match.type, match.fingerprint], ['private_key', fingerprint], name);
      assertMasked(text, match, name);
    }
  }
});

test('masks a private key in a prompt log as the host records it: a tool result JSON-encoded twice', () => {
  const [pem] = realKeys;
  const toolResult = JSON.stringify({ content: [{ type: 'text', text: pem }] });
  const prompt = JSON.stringify([{ role: 'tool', content: toolResult }]);
  assert.ok(prompt.includes('\\\\n'), 'line breaks are double-escaped');
  const { fingerprint } = onlySecret(pem!, 'plain');
  const masked = maskSecrets(prompt);
  assert.ok(!masked.includes('MII'), masked);
  assert.deepEqual(
    findMaskedSecrets(masked).map((m) => [m.type, m.fingerprint]),
    [['private_key', fingerprint]],
  );
  // Everything around the key is as it was.
  assert.equal(
    masked.replace(/\[SECRET:[^\]]+\]/, 'KEY'),
    prompt.replace(/-----BEGIN[^"]*?-----END RSA PRIVATE KEY-----/, 'KEY'),
  );
});

test('masks exactly the escaped or encoded run that holds the secret', () => {
  const unicodeEscaped = `"\\u0067hp_${gh.slice(4)}"`;
  assert.deepEqual(
    findSecrets(unicodeEscaped).map(({ start, end }) => unicodeEscaped.slice(start, end)),
    [unicodeEscaped.slice(1, -1)],
  );
  const escapedPassword = json('DB_PASSWORD=Tr0ub4dor&3xyz', 2);
  assert.equal(
    maskSecrets(escapedPassword).replace(/\[SECRET:password:[0-9a-f]{8}\]/, 'X'),
    escapedPassword.replace('Tr0ub4dor&3xyz', 'X'),
  );
  const url = `u=${encodeURIComponent(`password=Tr0ub4dor&3xyz`)} next`;
  assert.equal(
    maskSecrets(url).replace(/\[SECRET:password:[0-9a-f]{8}:url\]/, 'X'),
    url.replace(encodeURIComponent('Tr0ub4dor&3xyz'), 'X'),
  );
});

test('writes the encoding of an encoded secret in its mask, and reads it back', () => {
  for (const [encoding, text] of [
    ['base64', Buffer.from(`k=${gh}`).toString('base64')],
    ['hex', Buffer.from(gh).toString('hex')],
    ['url', encodeURIComponent(`password=Tr0ub4dor&3xyz`)],
    ['plain', json(gh, 2)],
  ] as const) {
    const [found] = findSecrets(text);
    const [masked] = findMaskedSecrets(maskSecrets(text));
    assert.deepEqual(masked && [masked.type, masked.fingerprint, masked.encoding], [
      found!.type,
      found!.fingerprint,
      encoding,
    ]);
    if (encoding === 'plain') assert.match(maskSecrets(text), /\[SECRET:github_token:[0-9a-f]{8}\]/);
  }
});

/** The prefix of each token type that a cap may cut after (with at least 4 characters of the body). */
const tokenPrefixes: Record<string, string> = {
  github_token: 'ghp_',
  gitlab_token: 'glpat-',
  slack_token: 'xoxb-',
  stripe_secret_key: 'sk_live_',
  anthropic_api_key: 'sk-ant-',
  openai_api_key: 'sk-proj-',
  aws_access_key_id: 'AKIA',
  google_api_key: 'AIza',
  google_oauth_token: 'ya29.',
  slack_webhook_url: 'hooks.slack.com/services/',
  npm_token: 'npm_',
  sendgrid_api_key: 'SG.',
  jwt: 'eyJ',
};
/** The token of each sample of those types, and a fine-grained GitHub token. */
const tokens = [
  ...cases
    .filter(({ type }) => type in tokenPrefixes)
    .map(({ type, positive }) => {
      const { start, end } = onlySecret(positive, type);
      return { type, token: positive.slice(start, end), prefix: tokenPrefixes[type]! };
    }),
  { type: 'github_token', token: `github_pat_11ABCDEFG0${'x7Yq'.repeat(15)}`, prefix: 'github_pat_' },
];

test('masks a token cut off at the end of truncated content, from its prefix and 4 characters on', () => {
  assert.equal(tokens.length, Object.keys(tokenPrefixes).length + 1);
  for (const { type, token, prefix } of tokens) {
    assert.ok(token.startsWith(prefix), token);
    for (let length = prefix.length + 4; length < token.length; length++) {
      const cut = token.slice(0, length);
      for (const text of [
        `{"path":"/x","token_value":"${cut}`,
        `see ${cut}`,
        `${json(`a: ${cut}`, 2).slice(0, -4)}\\`,
      ]) {
        const masked = maskSecrets(text, { truncated: true });
        assert.ok(!masked.includes(cut.slice(prefix.length)), `${type} cut at ${length}: ${masked}`);
        const [found] = findMaskedSecrets(masked);
        assert.ok(found !== undefined && [type, 'generic_secret'].includes(found.type), `${type}: ${masked}`);
        assert.equal(maskSecrets(masked, { truncated: true }), masked);
      }
    }
  }
});

test('leaves the end of truncated text alone when no token was cut there', () => {
  for (const text of [
    'run npm install, then npm_lifecy',
    'Bearer tokens start with ghp_',
    'the key starts with AKIA',
    'a ghp_ab',
    'a high-risk-abcdef',
    'tokens look like sk-ant-…',
    'export const x = 1;\nexport const',
    'x'.repeat(5000),
  ]) {
    assert.equal(maskSecrets(text, { truncated: true }), text);
  }
});

test("masks the value of a credential key cut at a truncated text's end, however little of it is random", () => {
  // Half a value: letters only, too short to look random on its own.
  for (const [text, value, type] of [
    ['config:\nclient_secret: QwErTyUiOpAsDfGh', 'QwErTyUiOpAsDfGh', 'generic_secret'],
    ['Authorization: Bearer pLmOkNiJbHuYgVtF', 'pLmOkNiJbHuYgVtF', 'bearer_token'],
    ['DB_PASSWORD=horsebatt', 'horsebatt', 'password'],
  ] as const) {
    const masked = maskSecrets(text, { truncated: true });
    assert.ok(!masked.includes(value), masked);
    assert.equal(findMaskedSecrets(masked)[0]?.type, type);
    if (type !== 'password') assert.equal(maskSecrets(text), text, 'whole, the value would not look random');
  }
  assert.equal(maskSecrets('token: your_token', { truncated: true }), 'token: your_token');
});

test('masks a PEM key cut inside an escape of its line break', () => {
  const escaped = JSON.stringify(JSON.stringify({ key: realKeys[0] }));
  const at = escaped.indexOf('\\\\n', 400);
  for (const cut of [at + 1, at + 2, at + 3]) {
    const masked = maskSecrets(escaped.slice(0, cut), { truncated: true });
    assert.ok(!masked.includes('MII'), masked);
    assert.equal(findMaskedSecrets(masked)[0]?.type, 'private_key');
  }
});

const masks = [
  '[SECRET:password:1a2b3c4d]',
  '[SECRET:private_key:0f0f0f0f:json]',
  '[SECRET:github_token:9e8d7c6b:base64]',
  '[SECRET:url_credentials:00000000:url]',
  '[SECRET:generic_secret:abcdef01:hex]',
];

test('never matches a mask again, in any context or encoding', () => {
  for (const mask of masks) {
    for (const text of [
      mask,
      `password=${mask}`,
      `password: "${mask}"`,
      `client_secret = ${mask}`,
      `postgres://admin:${mask}@db.internal/app`,
      `Authorization: Bearer ${mask}`,
      json(`{"password": "${mask}"}`, 3),
      encodeURIComponent(`password=${mask}`),
      Buffer.from(`token: ${mask} and secret=${mask}`).toString('base64'),
      Buffer.from(`pwd=${mask}`).toString('hex'),
    ]) {
      assert.deepEqual(findSecrets(text), [], text);
      assert.equal(maskSecrets(text), text);
    }
  }
});

test('masks what masking a secret uncovers: a run of base64 that a raw token was part of', () => {
  const text = `${Buffer.from('password=Tr0ub4dor&3xyzw').toString('base64')}+AKIAZ3MQXKF2W7YHQ4PL+end`;
  const masked = maskSecrets(text);
  assert.deepEqual(
    findMaskedSecrets(masked).map((m) => m.type),
    ['password', 'aws_access_key_id'],
    masked,
  );
  assert.equal(maskSecrets(masked), masked);
});

/** Deterministic inputs mixing secrets, masks, keys, escapes and encodings in random order. */
function generatedTexts(count: number): string[] {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const secrets = samples.map((s) => s.plain);
  const fragments = [
    ...masks,
    'password=',
    'secret: ',
    'api_key="',
    'token=',
    'Bearer ',
    'https://user:',
    '@db.internal',
    '[',
    ']',
    '"',
    '\\',
    '\\n',
    '\\"',
    '%',
    '%2B',
    '+',
    '=',
    ':',
    ' ',
    '\n',
    'SECRET',
    '[SECRET:',
    'Tr0ub4dor&3xyz',
    'q8Zr3mK9vL2xP7nW4bT6',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ];
  const piece = (): string => {
    const kind = random(10);
    if (kind < 4) return fragments[random(fragments.length)]!;
    const secret = secrets[random(secrets.length)]!;
    if (kind < 6) return secret;
    const encode = Object.values(encodings)[random(Object.keys(encodings).length)]!;
    return kind < 8 ? encode(secret) : secret.slice(0, 1 + random(secret.length));
  };
  return Array.from({ length: count }, () => {
    let text = '';
    for (let n = 1 + random(8); n > 0; n--) text += piece();
    return random(4) === 0 ? encodings[Object.keys(encodings)[random(4)]!]!(text) : text;
  });
}

test('masking is idempotent and keeps every mask it was given, on generated texts', () => {
  for (const text of generatedTexts(3000)) {
    for (const truncated of [false, true]) {
      const once = maskSecrets(text, { truncated });
      assert.equal(maskSecrets(once, { truncated }), once, JSON.stringify(text));
      // The reported symptom: `[SECRET:password:[SECRET:password:…]]`.
      assert.doesNotMatch(once, /\[SECRET:[a-z0-9_]*:?\[SECRET:/, JSON.stringify(text));
      const given = findMaskedSecrets(text).map((m) => text.slice(m.start, m.end));
      for (const mask of given) assert.ok(once.includes(mask), `${mask} kept in ${once}`);
    }
  }
});
