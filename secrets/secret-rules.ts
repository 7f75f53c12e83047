/**
 * What a secret looks like in text: one rule per credential type. Each pattern is compiled once
 * (global + indices) and matched against raw text that passed the rule's `quickCheck`; `group`
 * picks the part that is the secret when the pattern also matches its context
 * (`aws_secret_access_key = …`), and `accept` rejects look-alikes (placeholders, low-entropy words,
 * JWT-shaped non-JWTs).
 *
 * Rule sets on npm were considered first: secretlint 13 (the maintained one) needs Node ≥ 22 and
 * lints whole files asynchronously, which does not fit a per-event synchronous scan on Node 20.
 */

export interface SecretRule {
  type: string;
  pattern: RegExp;
  /**
   * A cheap necessary condition (a non-global regex, usually the rule's literal prefix): text it
   * does not pass cannot match `pattern`, so most text skips the costly pattern. It must never be
   * narrower than `pattern`, or secrets would go unmasked.
   */
  quickCheck: TextCheck;
  /**
   * Set when every match of `pattern` is at least this long and made only of base64-alphabet
   * characters (`[A-Za-z0-9+/_-]`), as are most tokens: `quickCheck` is then tested on the runs of
   * that alphabet at least this long, not on the whole text.
   */
  withinRun?: number;
  /** Capture group holding the secret; 0 for the whole match. */
  group: number;
  /** Higher wins when two rules match overlapping text (specific over generic). */
  priority: number;
  accept?: (value: string) => boolean;
}

export interface TextCheck {
  test(text: string): boolean;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const PLACEHOLDER =
  /^(?:x+|\*+|\.+|-+|#+|0+|<[^>]*>|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|%[^%]*%|(?:your|my|the|insert|enter|replace|example|sample|dummy|fake|test)[-_a-z]*|changeme|placeholder|redacted|null|none|undefined|true|false|string|password|secret|token|required|optional)$/i;

/** A placeholder (`your_token`, `***`, `${VAR}`) rather than a value. */
export function looksPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value) || /^(?:https?|file):\/\//i.test(value);
}

/** A random-looking token: long enough, mixed character classes, high entropy. */
function isRandomToken(value: string): boolean {
  if (value.length < 16 || looksPlaceholder(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(value)).length;
  return classes >= 2 && /[0-9]/.test(value) && shannonEntropy(value) >= 3.2;
}

function isPassword(value: string): boolean {
  return value.length >= 8 && !looksPlaceholder(value) && shannonEntropy(value) >= 2.5;
}

function isJwt(value: string): boolean {
  const [header] = value.split('.');
  try {
    const decoded = JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as unknown;
    return typeof decoded === 'object' && decoded !== null && 'alg' in decoded;
  } catch {
    return false;
  }
}

// Keys that name a credential; the value after `:`/`=` is the candidate.
const TOKEN_KEY = String.raw`(?:secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|client[_-]?secret|private[_-]?key|credentials?|session[_-]?key|signing[_-]?key|encryption[_-]?key)`;
const PASSWORD_KEY = String.raw`(?:passw(?:or)?d|passwd|pwd|passphrase)`;
const VALUE = String.raw`([^\s"'\x60<>,;(){}\[\]\\]{8,200})`;
const ASSIGN = String.raw`["']?\s*(?:[:=]|=>)\s*["']?`;

const WHITESPACE = /\s/;
const ASSIGN_SIGNS = [':', '='] as const;
/** Every key of the `KEY ASSIGN` rules, by how it ends (`api_key` ends with `key`), lower-case. */
const KEY_ENDINGS = ['secret', 'token', 'key', 'credential', 'passwd', 'password', 'pwd', 'passphrase'];
const LOWER_S = 0x73;
const BACKSLASH = 0x5c;
// By lower-case ASCII code, the keys ending with it; `| 0x20` lower-cases an ASCII letter and maps
// no other character to one, as the rules' patterns (`i` without `u`) fold ASCII letters only.
const KEYS_BY_LAST_LETTER = Array.from({ length: 128 }, (_, code) =>
  KEY_ENDINGS.filter((key) => key.charCodeAt(key.length - 1) === code),
);
// 1 where a key or its plural can end.
const KEY_LAST_LETTERS = Uint8Array.from(KEYS_BY_LAST_LETTER, (keys, code) =>
  keys.length > 0 || code === LOWER_S ? 1 : 0,
);
const NONE: ReadonlySet<string> = new Set();
const NO_KEYS: readonly string[] = [];

function isWhitespace(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && WHITESPACE.test(text[at]!));
}

function isQuote(code: number): boolean {
  return code === 0x22 || code === 0x27;
}

/** Whether the text before `end` ends with `key` (lower-case), its ASCII letters in any case. */
function endsWithKey(text: string, end: number, key: string): boolean {
  if (end < key.length) return false;
  for (let i = 1; i <= key.length; i++) {
    if ((text.charCodeAt(end - i) | 0x20) !== key.charCodeAt(key.length - i)) return false;
  }
  return true;
}

/** The key in KEY_ENDINGS that the text before `end` ends with, allowing a plural `s` (or `ss`). */
function keyEndingAt(text: string, end: number): string | undefined {
  if (end === 0 || KEY_LAST_LETTERS[text.charCodeAt(end - 1) | 0x20] !== 1) return undefined;
  let stem = end;
  while (stem > end - 2 && (text.charCodeAt(stem - 1) | 0x20) === LOWER_S) stem--;
  for (const key of KEYS_BY_LAST_LETTER[text.charCodeAt(stem - 1) | 0x20] ?? NO_KEYS) {
    if (endsWithKey(text, stem, key)) return key;
  }
  return undefined;
}

let lastText: string | undefined;
let lastKeys = NONE;

/**
 * The KEY_ENDINGS that a `:` or `=` follows in `text` (as `KEY s? ["']? \s*`, case-insensitive),
 * found from the few `:`/`=` of a text with `indexOf` instead of trying the key alternatives at
 * every character. The last answer is kept: the `KEY ASSIGN` rules ask about the same text in a row.
 */
function assignedKeys(text: string): ReadonlySet<string> {
  if (text === lastText) return lastKeys;
  let found: Set<string> | undefined;
  for (const sign of ASSIGN_SIGNS) {
    for (let at = text.indexOf(sign); at !== -1; at = text.indexOf(sign, at + 1)) {
      let end = at;
      while (end > 0 && isWhitespace(text, end - 1)) end--;
      // A quoted key in JSON-escaped text (`\"password\":`) is found by the scan of the unescaped text.
      if (isQuote(text.charCodeAt(end - 1))) {
        end--;
        while (end > 0 && text.charCodeAt(end - 1) === BACKSLASH) end--;
      }
      const key = keyEndingAt(text, end);
      if (key !== undefined) (found ??= new Set()).add(key);
    }
  }
  lastText = text;
  lastKeys = found ?? NONE;
  return lastKeys;
}

/** Passes text where a `:` or `=` follows a key ending in one of `keys`: what a `KEY ASSIGN` rule needs. */
function assignmentTo(keys: readonly string[]): TextCheck {
  return {
    test(text) {
      const found = assignedKeys(text);
      if (found.size === 0) return false;
      for (const key of keys) if (found.has(key)) return true;
      return false;
    },
  };
}

export const SECRET_RULES: readonly SecretRule[] = [
  {
    type: 'private_key',
    // PEM and OpenSSH keys, also with their spaces and line breaks stripped, JSON-escaped at any
    // depth (`\n`, `\\n`) and truncated (no END line, even cut inside an escape).
    pattern:
      /-----BEGIN ?([A-Z0-9 ]*?) ?PRIVATE ?KEY(?: ?BLOCK)?-----(?:[A-Za-z0-9+/=\s:,-]|\\+[nrt/])*?(?:-----END ?\1 ?PRIVATE ?KEY(?: ?BLOCK)?-----|(?=\\*["'`]|\\*$))/dg,
    quickCheck: /-----BEGIN/,
    group: 0,
    priority: 100,
  },
  {
    type: 'aws_access_key_id',
    pattern: /(?<![A-Za-z0-9])((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])/dg,
    quickCheck: /A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA/,
    withinRun: 20,
    group: 1,
    priority: 90,
  },
  {
    type: 'aws_secret_access_key',
    pattern:
      /aws_?(?:secret_?access_?key|secret_?key|secret)["']?\s*(?:[:=]|=>)\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dgi,
    quickCheck: assignmentTo(['secret', 'key']),
    group: 1,
    priority: 90,
  },
  {
    type: 'github_token',
    pattern:
      /(?<![A-Za-z0-9_])((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})/dg,
    quickCheck: /gh[pousr]_|github_pat_/,
    withinRun: 40,
    group: 1,
    priority: 90,
  },
  {
    type: 'gitlab_token',
    pattern: /(?<![A-Za-z0-9_])(gl(?:pat|dt|rt|ft|soat|cbt|ptt|imt)-[A-Za-z0-9_-]{20,})/dg,
    quickCheck: /gl(?:pat|dt|rt|ft|soat|cbt|ptt|imt)-/,
    withinRun: 25,
    group: 1,
    priority: 90,
  },
  {
    type: 'slack_token',
    pattern: /(?<![A-Za-z0-9])(xox[abposre]-(?:[0-9]+-)+[A-Za-z0-9-]{8,})/dg,
    quickCheck: /xox[abposre]-/,
    withinRun: 15,
    group: 1,
    priority: 90,
  },
  {
    type: 'slack_webhook_url',
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,}/dg,
    quickCheck: /hooks\.slack\.com\//,
    group: 0,
    priority: 90,
  },
  {
    type: 'stripe_secret_key',
    pattern: /(?<![A-Za-z0-9])((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})/dg,
    quickCheck: /[sr]k_(?:live|test)_/,
    withinRun: 24,
    group: 1,
    priority: 90,
  },
  {
    type: 'anthropic_api_key',
    pattern: /(?<![A-Za-z0-9])(sk-ant-[a-z]+[0-9]{0,3}-[A-Za-z0-9_-]{32,})/dg,
    quickCheck: /sk-ant-/,
    withinRun: 41,
    group: 1,
    priority: 95,
  },
  {
    type: 'openai_api_key',
    pattern:
      /(?<![A-Za-z0-9])(sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{32,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48}))(?![A-Za-z0-9])/dg,
    quickCheck: /sk-/,
    withinRun: 40,
    group: 1,
    priority: 90,
  },
  {
    type: 'google_api_key',
    pattern: /(?<![A-Za-z0-9])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/dg,
    quickCheck: /AIza/,
    withinRun: 39,
    group: 1,
    priority: 90,
  },
  {
    type: 'google_oauth_token',
    pattern: /(?<![A-Za-z0-9])(ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[A-Za-z0-9_-]{28})/dg,
    quickCheck: /ya29\.|GOCSPX-/,
    group: 1,
    priority: 90,
  },
  {
    type: 'npm_token',
    pattern: /(?<![A-Za-z0-9])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])/dg,
    quickCheck: /npm_/,
    withinRun: 40,
    group: 1,
    priority: 90,
  },
  {
    type: 'sendgrid_api_key',
    pattern: /(?<![A-Za-z0-9])(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})/dg,
    quickCheck: /SG\./,
    group: 1,
    priority: 90,
  },
  {
    type: 'jwt',
    pattern: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{10,})/dg,
    quickCheck: /eyJ/,
    group: 1,
    priority: 80,
    accept: isJwt,
  },
  {
    type: 'bearer_token',
    pattern: /\b(?:authorization["']?\s*[:=]\s*["']?)?bearer\s+([A-Za-z0-9._~+/-]{16,}=*)/dgi,
    quickCheck: /bearer\s/i,
    group: 1,
    priority: 60,
    accept: isRandomToken,
  },
  {
    type: 'url_credentials',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]{1,64}:([^\s@/"'<>]{3,128})@[A-Za-z0-9.-]/dgi,
    quickCheck: /:\/\/[^\s/@]+@/,
    group: 1,
    priority: 70,
    accept: (value) => !looksPlaceholder(value) && !/^\*+$/.test(value),
  },
  {
    type: 'password',
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9])[A-Za-z0-9_.-]*${PASSWORD_KEY}${ASSIGN}${VALUE}`, 'dgi'),
    quickCheck: assignmentTo(['passwd', 'password', 'pwd', 'passphrase']),
    group: 1,
    priority: 40,
    accept: isPassword,
  },
  {
    type: 'generic_secret',
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9])[A-Za-z0-9_.-]*${TOKEN_KEY}s?${ASSIGN}${VALUE}`, 'dgi'),
    quickCheck: assignmentTo(['secret', 'token', 'key', 'credential']),
    group: 1,
    priority: 30,
    accept: isRandomToken,
  },
];

/**
 * The start of a token that content capping cut off (`CappedContent.truncated`): its recognised
 * prefix and part of its body, at the very end of the text (before any backslashes of a cut
 * escape). Group 1 is the partial secret, group 2 its body after the prefix.
 */
export interface CutSecretRule {
  type: string;
  pattern: RegExp;
}

/** The characters of every cut token (`.` for JWTs and SendGrid keys, `/` for Slack webhooks). */
export const CUT_TOKEN_CHARACTER = /[A-Za-z0-9_.+/-]/;
const CUT_EDGE = String.raw`\\*$`;
/** Part of a token body long enough to hide: a prefix alone, or a few characters after it, is left. */
const MIN_CUT_BODY = 4;
/** The shortest cut token: the shortest prefix (`SG.`, `eyJ`) and MIN_CUT_BODY. */
export const MIN_CUT_TOKEN = 3 + MIN_CUT_BODY;

/** Each cut token type: its prefix and the characters of its body, as regex sources. */
const CUT_TOKENS: ReadonlyArray<{ type: string; prefix: string; body: string }> = [
  { type: 'github_token', prefix: '(?:gh[pousr]_|github_pat_)', body: '[A-Za-z0-9_]' },
  { type: 'gitlab_token', prefix: 'gl(?:pat|dt|rt|ft|soat|cbt|ptt|imt)-', body: '[A-Za-z0-9_-]' },
  { type: 'slack_token', prefix: 'xox[abposre]-', body: '[A-Za-z0-9-]' },
  { type: 'stripe_secret_key', prefix: '(?:sk|rk)_(?:live|test)_', body: '[A-Za-z0-9]' },
  { type: 'anthropic_api_key', prefix: 'sk-ant-', body: '[A-Za-z0-9_-]' },
  { type: 'openai_api_key', prefix: 'sk-(?:proj|svcacct|admin)-', body: '[A-Za-z0-9_-]' },
  { type: 'aws_access_key_id', prefix: '(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)', body: '[A-Z2-7]' },
  { type: 'google_api_key', prefix: 'AIza', body: '[0-9A-Za-z_-]' },
  { type: 'google_oauth_token', prefix: '(?:ya29\\.|GOCSPX-)', body: '[0-9A-Za-z_-]' },
  { type: 'npm_token', prefix: 'npm_', body: '[A-Za-z0-9]' },
  { type: 'sendgrid_api_key', prefix: 'SG\\.', body: '[A-Za-z0-9_.-]' },
  { type: 'jwt', prefix: 'eyJ', body: '[A-Za-z0-9_.-]' },
  {
    type: 'slack_webhook_url',
    prefix: 'hooks\\.slack\\.com/(?:services|workflows|triggers)/',
    body: '[A-Za-z0-9_/+-]',
  },
];

export const CUT_SECRET_RULES: readonly CutSecretRule[] = CUT_TOKENS.map(({ type, prefix, body }) => ({
  type,
  pattern: new RegExp(String.raw`(?<![A-Za-z0-9_])(${prefix}(${body}{${MIN_CUT_BODY},}))${CUT_EDGE}`, 'd'),
}));

/**
 * The value of a credential key (`client_secret: …`, `DB_PASSWORD=…`, `Bearer …`) cut off at the end
 * of a capped text: group 1 the key (absent for a bearer token), group 2 the partial value. Half a
 * value cannot be judged random by its characters, so any that is not a placeholder is masked.
 */
export const CUT_KEYED_VALUE = new RegExp(
  String.raw`(?:(?<![A-Za-z0-9])[A-Za-z0-9_.-]*(${TOKEN_KEY}s?|${PASSWORD_KEY})${ASSIGN}|\bbearer\s+)([^\s"'\x60<>,;(){}\[\]\\]{4,200})\\*$`,
  'di',
);

const WHOLE_PASSWORD_KEY = new RegExp(`^${PASSWORD_KEY}$`, 'i');

/** The secret type of a cut keyed value by its key (see CUT_KEYED_VALUE). */
export function cutKeyedValueType(key: string | undefined): string {
  if (key === undefined) return 'bearer_token';
  return WHOLE_PASSWORD_KEY.test(key) ? 'password' : 'generic_secret';
}

/** Text without one of these cannot end with a cut token: most text skips the rules in one match. */
export const ANY_CUT_PREFIX = new RegExp(CUT_TOKENS.map(({ prefix }) => prefix).join('|'));

/**
 * Whether the body of a cut token looks random: a digit or a capital in it (a real token's body of a
 * few characters almost always has one; `npm_lifecycle` cut short has none).
 */
export function isRandomCutBody(body: string): boolean {
  return /[A-Z0-9]/.test(body);
}
