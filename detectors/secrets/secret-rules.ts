/**
 * What a secret looks like in text: one rule per credential type. Each pattern is compiled once
 * (global + indices) and matched against raw text; `group` picks the part that is the secret when
 * the pattern also matches its context (`aws_secret_access_key = …`), and `accept` rejects
 * look-alikes (placeholders, low-entropy words, JWT-shaped non-JWTs).
 *
 * Rule sets on npm were considered first: secretlint 13 (the maintained one) needs Node ≥ 22 and
 * lints whole files asynchronously, which does not fit a per-event synchronous scan on Node 20.
 */

export interface SecretRule {
  type: string;
  pattern: RegExp;
  /** Capture group holding the secret; 0 for the whole match. */
  group: number;
  /** Higher wins when two rules match overlapping text (specific over generic). */
  priority: number;
  accept?: (value: string) => boolean;
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

function looksPlaceholder(value: string): boolean {
  // Our own mask (`[SECRET:type:fingerprint]`) must not be found again when masked text is re-scanned.
  return (
    PLACEHOLDER.test(value) ||
    /^[a-z0-9_]+:[0-9a-f]{8}\]?$/.test(value) ||
    /^(?:https?|file):\/\//i.test(value)
  );
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

export const SECRET_RULES: readonly SecretRule[] = [
  {
    type: 'private_key',
    // PEM and OpenSSH keys, also JSON-escaped (`\n`) and truncated (no END line).
    pattern:
      /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\s:,-]|\\[nr])*?(?:-----END \1PRIVATE KEY(?: BLOCK)?-----|(?=["'`]|$))/dg,
    group: 0,
    priority: 100,
  },
  {
    type: 'aws_access_key_id',
    pattern: /(?<![A-Za-z0-9])((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'aws_secret_access_key',
    pattern:
      /aws_?(?:secret_?access_?key|secret_?key|secret)["']?\s*(?:[:=]|=>)\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dgi,
    group: 1,
    priority: 90,
  },
  {
    type: 'github_token',
    pattern:
      /(?<![A-Za-z0-9_])((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'gitlab_token',
    pattern: /(?<![A-Za-z0-9_])(gl(?:pat|dt|rt|ft|soat|cbt|ptt|imt)-[A-Za-z0-9_-]{20,})/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'slack_token',
    pattern: /(?<![A-Za-z0-9])(xox[abposre]-(?:[0-9]+-)+[A-Za-z0-9-]{8,})/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'slack_webhook_url',
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,}/dg,
    group: 0,
    priority: 90,
  },
  {
    type: 'stripe_secret_key',
    pattern: /(?<![A-Za-z0-9])((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'anthropic_api_key',
    pattern: /(?<![A-Za-z0-9])(sk-ant-[a-z]+[0-9]{0,3}-[A-Za-z0-9_-]{32,})/dg,
    group: 1,
    priority: 95,
  },
  {
    type: 'openai_api_key',
    pattern:
      /(?<![A-Za-z0-9])(sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{32,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48}))(?![A-Za-z0-9])/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'google_api_key',
    pattern: /(?<![A-Za-z0-9])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'google_oauth_token',
    pattern: /(?<![A-Za-z0-9])(ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[A-Za-z0-9_-]{28})/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'npm_token',
    pattern: /(?<![A-Za-z0-9])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'sendgrid_api_key',
    pattern: /(?<![A-Za-z0-9])(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})/dg,
    group: 1,
    priority: 90,
  },
  {
    type: 'jwt',
    pattern: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{10,})/dg,
    group: 1,
    priority: 80,
    accept: isJwt,
  },
  {
    type: 'bearer_token',
    pattern: /\b(?:authorization["']?\s*[:=]\s*["']?)?bearer\s+([A-Za-z0-9._~+/-]{16,}=*)/dgi,
    group: 1,
    priority: 60,
    accept: isRandomToken,
  },
  {
    type: 'url_credentials',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]{1,64}:([^\s@/"'<>]{3,128})@[A-Za-z0-9.-]/dgi,
    group: 1,
    priority: 70,
    accept: (value) => !looksPlaceholder(value) && !/^\*+$/.test(value),
  },
  {
    type: 'password',
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9])[A-Za-z0-9_.-]*${PASSWORD_KEY}${ASSIGN}${VALUE}`, 'dgi'),
    group: 1,
    priority: 40,
    accept: isPassword,
  },
  {
    type: 'generic_secret',
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9])[A-Za-z0-9_.-]*${TOKEN_KEY}s?${ASSIGN}${VALUE}`, 'dgi'),
    group: 1,
    priority: 30,
    accept: isRandomToken,
  },
];
