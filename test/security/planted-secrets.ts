// Fresh fake credentials of every type secrets/secret-rules.ts knows, made at random for each run in
// the shapes real ones have, and the search for them: a value is "found" in a text when a
// distinctive fragment of its random part is there — raw, JSON-escaped (once or twice) and
// URL-encoded forms keep the alphanumeric runs of a token intact, and base64 is searched at each of
// its three alignments — so a partial token (a cut at a content cap) is found as surely as a whole one.
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { SECRET_RULES } from '../../secrets/secret-rules.js';

export interface PlantedSecret {
  /** The secret rule type, or `control` for the unmasked control string. */
  type: string;
  /** The credential as a scanner would report it. */
  value: string;
  /** How it appears in a config file or a message: the value in its usual context. */
  line: string;
  /** The random parts of the value: what is searched for (fixed prefixes would match other text). */
  randomParts: string[];
}

/** The type of the control string: planted and searched like a secret, but no rule masks it. */
export const CONTROL = 'control';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const ALNUM = LOWER + UPPER + DIGITS;

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Random alphanumerics with every class present (as the rules' entropy checks expect of a token). */
function token(length: number): string {
  for (;;) {
    const value = pick(ALNUM, length);
    if (/[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value)) return value;
  }
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function privateKey(): PlantedSecret {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString()
    .trimEnd();
  // The first base64 line is mostly the fixed PKCS#8 header of every RSA key: not distinctive.
  const lines = pem.split('\n').slice(2, -1);
  return { type: 'private_key', value: pem, line: pem, randomParts: lines };
}

function jwt(): PlantedSecret {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({ sub: `user-${token(10)}`, jti: token(16), iat: Math.floor(Date.now() / 1000) }),
  );
  const signature = base64url(randomBytes(32)).replace(/[-_]/g, () => pick(ALNUM, 1));
  const value = `${header}.${payload}.${signature}`;
  return { type: 'jwt', value, line: `session_cookie=${value}`, randomParts: [signature] };
}

function simple(type: string, prefix: string, body: string, line: (value: string) => string): PlantedSecret {
  const value = prefix + body;
  return { type, value, line: line(value), randomParts: [body] };
}

/** One fresh fake credential of every rule type, and the control string. */
export function plantSecrets(): PlantedSecret[] {
  const awsSecret = `${token(30)}+${token(9)}`;
  const slackTeam = `T${pick(UPPER + DIGITS, 8)}`;
  const slackBot = `B${pick(UPPER + DIGITS, 8)}`;
  const slackHook = token(24);
  const sendgridId = token(22);
  const sendgridSecret = token(43);
  const bearer = token(40);
  const dbPassword = token(20);
  const password = token(20);
  const generic = token(32);
  const secrets: PlantedSecret[] = [
    privateKey(),
    simple(
      'aws_access_key_id',
      'AKIA',
      pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16),
      (v) => `AWS_ACCESS_KEY_ID=${v}`,
    ),
    {
      type: 'aws_secret_access_key',
      value: awsSecret,
      line: `aws_secret_access_key = ${awsSecret}`,
      randomParts: [awsSecret],
    },
    simple('github_token', 'ghp_', token(36), (v) => `GITHUB_TOKEN=${v}`),
    simple('gitlab_token', 'glpat-', token(20), (v) => `GITLAB_TOKEN=${v}`),
    simple(
      'slack_token',
      `xoxb-${pick(DIGITS, 12)}-${pick(DIGITS, 13)}-`,
      token(24),
      (v) => `SLACK_BOT_TOKEN=${v}`,
    ),
    {
      type: 'slack_webhook_url',
      value: `https://hooks.slack.com/services/${slackTeam}/${slackBot}/${slackHook}`,
      line: `SLACK_WEBHOOK=https://hooks.slack.com/services/${slackTeam}/${slackBot}/${slackHook}`,
      randomParts: [slackHook],
    },
    simple('stripe_secret_key', 'sk_live_', token(24), (v) => `STRIPE_KEY=${v}`),
    simple('anthropic_api_key', 'sk-ant-api03-', `${token(80)}AA`, (v) => `ANTHROPIC_API_KEY=${v}`),
    simple('openai_api_key', 'sk-proj-', token(56), (v) => `OPENAI_API_KEY=${v}`),
    simple('google_api_key', 'AIza', token(35), (v) => `GOOGLE_MAPS_KEY=${v}`),
    simple('google_oauth_token', 'ya29.', token(64), (v) => `GOOGLE_ACCESS=${v}`),
    simple('npm_token', 'npm_', token(36), (v) => `//registry.npmjs.org/:_authToken=${v}`),
    {
      type: 'sendgrid_api_key',
      value: `SG.${sendgridId}.${sendgridSecret}`,
      line: `SENDGRID=SG.${sendgridId}.${sendgridSecret}`,
      randomParts: [sendgridId, sendgridSecret],
    },
    jwt(),
    { type: 'bearer_token', value: bearer, line: `Authorization: Bearer ${bearer}`, randomParts: [bearer] },
    {
      type: 'url_credentials',
      value: dbPassword,
      line: `DATABASE_URL=postgres://billing_app:${dbPassword}@db.internal.example:5432/billing`,
      randomParts: [dbPassword],
    },
    { type: 'password', value: password, line: `DB_PASSWORD=${password}`, randomParts: [password] },
    { type: 'generic_secret', value: generic, line: `client_secret: ${generic}`, randomParts: [generic] },
  ];
  const control = `ctl${pick(LOWER + DIGITS, 29)}`;
  secrets.push({ type: CONTROL, value: control, line: `build note ${control}`, randomParts: [control] });
  const missing = SECRET_RULES.map((rule) => rule.type).filter(
    (type) => !secrets.some((s) => s.type === type),
  );
  if (missing.length > 0) throw new Error(`no fake value made for secret type(s) ${missing.join(', ')}`);
  return secrets;
}

/** A config file holding every planted secret (and the control), one per line or block. */
export function plantedDocument(secrets: readonly PlantedSecret[]): string {
  return ['# billing-service production settings', ...secrets.map((s) => s.line), ''].join('\n');
}

/**
 * The URI under which the planted server offers one secret: the secret in its context (`NAME=value`,
 * `Authorization: Bearer …`), URL-encoded into the query string, as a link or a form would carry it.
 */
export function secretResourceUri(secret: PlantedSecret): string {
  return `vault://secrets/${secret.type}?setting=${encodeURIComponent(secret.line)}`;
}

/** A run of this many alphanumerics is distinctive: 62^12 values, none of which occurs by chance. */
export const DISTINCTIVE_CHARS = 12;
const WINDOW = DISTINCTIVE_CHARS;
const BASE64_WINDOW = 16;
const ALNUM_RUN = /[A-Za-z0-9]{12,}/g;

function windowsOf(run: string, width: number, into: Map<string, string>, type: string): void {
  for (let i = 0; i + width <= run.length; i++) into.set(run.slice(i, i + width), type);
}

function alnumRuns(text: string): string[] {
  return text.match(ALNUM_RUN) ?? [];
}

/**
 * Finds planted values in text or raw bytes. Never returns or prints a value: only its type.
 */
export class LeakSearch {
  private readonly windows = new Map<string, string>();
  private readonly base64Windows = new Map<string, string>();

  constructor(secrets: readonly PlantedSecret[]) {
    for (const secret of secrets) {
      for (const part of secret.randomParts) {
        for (const run of alnumRuns(part)) windowsOf(run, WINDOW, this.windows, secret.type);
      }
      // base64 of a text holding the value: one of three alignments; its last 4 characters depend
      // on what follows, so they are left out.
      for (let shift = 0; shift < 3; shift++) {
        const encoded = Buffer.from(secret.value.slice(shift)).toString('base64').slice(0, -4);
        for (const run of alnumRuns(encoded.slice(4)))
          windowsOf(run, BASE64_WINDOW, this.base64Windows, secret.type);
      }
    }
  }

  /** The types of the planted values in `content` (raw bytes are read as Latin-1: ASCII maps as is). */
  typesIn(content: string | Buffer): Set<string> {
    const text = typeof content === 'string' ? content : content.toString('latin1');
    const found = new Set<string>();
    for (const run of alnumRuns(text)) {
      for (let i = 0; i + WINDOW <= run.length; i++) {
        const type = this.windows.get(run.slice(i, i + WINDOW));
        if (type !== undefined) found.add(type);
        if (i + BASE64_WINDOW <= run.length) {
          const encodedType = this.base64Windows.get(run.slice(i, i + BASE64_WINDOW));
          if (encodedType !== undefined) found.add(encodedType);
        }
      }
    }
    return found;
  }
}

/** Where planted values were found: place → types. */
export class Findings {
  readonly byPlace = new Map<string, Set<string>>();
  /** Places searched, so that a test can tell "searched, nothing there" from "never searched". */
  readonly searched = new Set<string>();

  constructor(private readonly search: LeakSearch) {}

  scan(place: string, content: string | Buffer): void {
    this.searched.add(place);
    const types = this.search.typesIn(content);
    if (types.size === 0) return;
    const known = this.byPlace.get(place) ?? new Set<string>();
    for (const type of types) known.add(type);
    this.byPlace.set(place, known);
  }

  /** Places where the control string was found. */
  controlPlaces(): string[] {
    return [...this.byPlace].filter(([, types]) => types.has(CONTROL)).map(([place]) => place);
  }

  /** `place × type` of every secret found (the control left out), sorted. */
  leaks(): string[] {
    const out: string[] = [];
    for (const [place, types] of this.byPlace) {
      for (const type of types) if (type !== CONTROL) out.push(`${place} × ${type}`);
    }
    return out.sort();
  }
}
