/**
 * Strings in text that a call could act on — where it sends, pays, posts or ships (e-mail
 * addresses, URLs, hosts and IPs, account/card/IBAN/phone numbers, wallets, chat channels, @handles
 * and street addresses) and files it touches — each
 * normalised so that the same value written two ways compares equal: lower case, numbers as their
 * digits, URLs without scheme, `www.` or trailing punctuation.
 */
export type ActionableKind =
  'email' | 'url' | 'host' | 'ip' | 'number' | 'iban' | 'wallet' | 'channel' | 'handle' | 'address' | 'path';

export interface ActionableString {
  kind: ActionableKind;
  /** `kind:normalised`, what provenance compares. */
  norm: string;
  /** As written (for the alert; masked by the engine when it is a secret). */
  written: string;
}

// Patterns start at a literal (`@`, `.tld`, `/`, a digit) and look around by hand: a look-behind
// at every position costs 10-50 times more on a large result.
const EMAIL_LOCAL = /[a-z0-9._%+-]/i;
const EMAIL_DOMAIN = /^(?:[a-z0-9-]+\.)+[a-z]{2,24}/i;
const URL = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>`\\)\]}]+/gi;
const TLD =
  /\.(?:com|net|org|io|dev|app|ai|co|cloud|info|biz|xyz|me|us|uk|de|fr|nl|ru|cn|jp|in|br|eu|ch|online|site|tech|page|sh|gov|edu)(?![\w-])/gi;
const HOST_CHAR = /[a-z0-9.-]/i;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/i;
// Digit groups with dashes or single spaces (accounts, cards, phones); dates and times are not.
const NUMBER = /\+?(?:\(\d{1,5}\)[ -]?)?\d+(?:[ -]\(?\d+\)?)*/g;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}|^\d{2}-\d{2}-\d{4}$/;
const IPV4 = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g;
// Bitcoin (legacy and bech32) and Ethereum addresses.
const WALLET = /\b(?:bc1[a-z0-9]{25,60}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[a-fA-F0-9]{40})\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const CHANNEL = /(?<![\w&#/])#[a-z][\w.-]{1,79}/gi;
const PATH = /\/[\w.@-]+(?:\/[\w.@-]+)*/g;
// A street and house number, where parcels and letters go: "14 Harbour Road", "Lindenstr. 4",
// "3 rue Cler".
const STREET_TYPE =
  '(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Way|Drive|Dr|Boulevard|Blvd|Place|Pl|Court|Ct|Square|Sq|Terrace|Close|Crescent|Gardens|Row|Parkway|Highway)';
// Case matters: street names are capitalised, which keeps "3 more days" from being one.
const POSTAL_ADDRESS = new RegExp(
  [
    `\\b\\d{1,5}[a-z]?,? (?:[A-Z][a-z'-]+ ){1,3}${STREET_TYPE}\\b`,
    `\\b[A-ZÄÖÜ][a-zäöüß-]+(?:straße|strasse|str\\.|weg|gasse|platz|allee|damm) \\d{1,4}[a-z]?\\b`,
    `\\b\\d{1,4},? (?:[Rr]ue|[Aa]venue|[Bb]oulevard|[Cc]hemin|[Cc]alle|[Vv]ia|[Vv]iale|[Pp]iazza|[Rr]ua) (?:[A-ZÀ-Ý][a-zà-ÿ'-]+ ?){1,4}`,
  ].join('|'),
  'g',
);
const WORD_OR_DOT = /[\w.]/;
const NUMBER_BEFORE = /[\w.+-]/;
const NUMBER_AFTER = /[\w-]/;
const PATH_BEFORE = /[\w:/]/;
const TRAILING = /[.,;:!?'"*_~/]+$/;
const MIN_DIGITS = 7;

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
const DIGIT_WORD = '(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)';
// A number read out digit by digit ("plus four four seven seven zero …"): a phone or account number
// written so that a digit pattern misses it.
const SPELLED_NUMBER = new RegExp(
  `\\b(?:plus[\\s,-]+)?(?:(?:double|triple)[\\s-]+)?${DIGIT_WORD}(?:[\\s,-]+(?:(?:double|triple)[\\s-]+)?${DIGIT_WORD}){6,}\\b`,
  'gi',
);

function spelledDigits(written: string): string {
  let digits = '';
  let repeat = 1;
  for (const word of written.toLowerCase().split(/[\s,-]+/)) {
    if (word === 'double' || word === 'triple') repeat = word === 'double' ? 2 : 3;
    else if (word in DIGIT_WORDS) {
      digits += DIGIT_WORDS[word]!.repeat(repeat);
      repeat = 1;
    }
  }
  return digits;
}

function add(
  out: ActionableString[],
  seen: Set<string>,
  kind: ActionableKind,
  value: string,
  written: string,
  max: number,
): void {
  const norm = `${kind}:${value}`;
  if (out.length < max && value !== '' && !seen.has(norm)) {
    seen.add(norm);
    out.push({ kind, norm, written });
  }
}

function normaliseUrl(url: string): string {
  return url
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/^www\./i, '')
    .replace(TRAILING, '')
    .toLowerCase();
}

function charAt(text: string, index: number): string {
  return index >= 0 && index < text.length ? text[index]! : '';
}

function emails(text: string, found: (value: string) => void): void {
  for (let at = text.indexOf('@'); at > 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && EMAIL_LOCAL.test(charAt(text, start - 1))) start--;
    const domain = EMAIL_DOMAIN.exec(text.slice(at + 1, at + 256));
    if (start < at && domain !== null) found(text.slice(start, at + 1 + domain[0].length));
  }
}

// `@kay-oncall`: a user handle (chat, code hosting), not an e-mail's `@`, a scoped package
// (`@scope/name`) or a decorator in code (`@Override(`).
const HANDLE_BODY = /^[a-z][\w.-]{2,38}/i;
function handles(text: string, found: (value: string) => void): void {
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    if (at > 0 && /[\w@.+-]/.test(charAt(text, at - 1))) continue;
    const body = HANDLE_BODY.exec(text.slice(at + 1, at + 41));
    if (body === null) continue;
    const name = body[0].replace(TRAILING, '');
    const next = charAt(text, at + 1 + body[0].length);
    if (next === '/' || next === '(' || next === '@' || name.length < 3) continue;
    found(`@${name}`);
  }
}

function hosts(text: string, found: (value: string) => void): void {
  for (const m of text.matchAll(TLD)) {
    const end = m.index + m[0].length;
    let start = m.index;
    while (start > 0 && HOST_CHAR.test(charAt(text, start - 1))) start--;
    const before = charAt(text, start - 1);
    // A host inside an e-mail address or URL was taken with it.
    if (
      before === '@' ||
      before === '/' ||
      (charAt(text, end) === '.' && WORD_OR_DOT.test(charAt(text, end + 1)))
    )
      continue;
    const host = text.slice(start, end);
    if (DOMAIN.test(host)) found(host);
  }
}

/** The actionable strings in `text`, at most `max`, in the order kinds are searched. */
export function findActionableStrings(text: string, max = 64): ActionableString[] {
  const out: ActionableString[] = [];
  const seen = new Set<string>();
  emails(text, (value) => add(out, seen, 'email', value.toLowerCase(), value, max));
  if (text.includes('://'))
    for (const m of text.matchAll(URL)) {
      const written = m[0].replace(TRAILING, '');
      add(out, seen, 'url', normaliseUrl(written), written, max);
    }
  hosts(text, (value) => add(out, seen, 'host', value.toLowerCase().replace(/^www\./, ''), value, max));
  for (const m of text.matchAll(IPV4)) {
    if (charAt(text, m.index - 1) === '.' || charAt(text, m.index + m[0].length) === '.') continue;
    add(out, seen, 'ip', m[0], m[0], max);
  }
  for (const m of text.matchAll(WALLET)) add(out, seen, 'wallet', m[0].toLowerCase(), m[0], max);
  for (const m of text.matchAll(NUMBER)) {
    if (m[0].length < MIN_DIGITS) continue;
    const written = m[0].trim();
    if (NUMBER_BEFORE.test(charAt(text, m.index - 1))) continue;
    if (NUMBER_AFTER.test(charAt(text, m.index + m[0].length)) || DATE_LIKE.test(written)) continue;
    const digits = written.replace(/\D/g, '');
    if (digits.length >= MIN_DIGITS && digits.length <= 34) add(out, seen, 'number', digits, written, max);
  }
  for (const m of text.matchAll(SPELLED_NUMBER)) {
    const digits = spelledDigits(m[0]);
    if (digits.length >= MIN_DIGITS && digits.length <= 34) add(out, seen, 'number', digits, m[0], max);
  }
  for (const m of text.matchAll(POSTAL_ADDRESS)) {
    const written = m[0].trim();
    add(out, seen, 'address', written.toLowerCase().replace(/[.,]/g, '').replace(/\s+/g, ' '), written, max);
  }
  for (const m of text.matchAll(IBAN)) add(out, seen, 'iban', m[0].replace(/ /g, ''), m[0], max);
  for (const m of text.matchAll(CHANNEL))
    add(out, seen, 'channel', m[0].toLowerCase().replace(TRAILING, ''), m[0], max);
  if (text.includes('@')) handles(text, (value) => add(out, seen, 'handle', value.toLowerCase(), value, max));
  for (const m of text.matchAll(PATH)) {
    let start = m.index;
    while (start > 0 && (charAt(text, start - 1) === '.' || charAt(text, start - 1) === '~')) start--;
    if (PATH_BEFORE.test(charAt(text, start - 1))) continue;
    const written = text.slice(start, m.index + m[0].length).replace(TRAILING, '');
    // `/` alone or one short segment (`/s`) says nothing about which file.
    if (written.length >= 4 && /[a-z]/i.test(written)) add(out, seen, 'path', written, written, max);
  }
  return out;
}

/**
 * What provenance compares for one value: its actionable strings, plus the host of each URL (a
 * result may name a bare domain that a call then reaches as a URL) and, under a key that names a
 * channel, a bare channel name (`ops-alerts` is `#ops-alerts`).
 */
export function provenanceCandidates(value: string, key: string, max = 64): ActionableString[] {
  const found = findActionableStrings(value, max);
  const out = [...found];
  for (const string of found) {
    if (string.kind !== 'url') continue;
    const host = string.norm.slice('url:'.length).split(/[/?#]/, 1)[0]!.replace(/:\d+$/, '');
    if (DOMAIN.test(host)) out.push({ kind: 'host', norm: `host:${host}`, written: string.written });
  }
  const bare = value.trim();
  if (/channel/i.test(key) && BARE_CHANNEL.test(bare))
    out.push({ kind: 'channel', norm: `channel:#${bare.toLowerCase()}`, written: bare });
  return out;
}
const BARE_CHANNEL = /^[a-z][\w.-]{1,79}$/i;

/** Kinds that say where a call goes (as opposed to what it carries). */
export function isDestinationKind(kind: ActionableKind): boolean {
  return kind !== 'path';
}
