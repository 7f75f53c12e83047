/**
 * Strings in text that a call could act on — where it sends, pays or posts (e-mail addresses,
 * URLs, hosts and IPs, account/card/IBAN/phone numbers, wallets, chat channels) and files it touches — each
 * normalised so that the same value written two ways compares equal: lower case, numbers as their
 * digits, URLs without scheme, `www.` or trailing punctuation.
 */
export type ActionableKind =
  'email' | 'url' | 'host' | 'ip' | 'number' | 'iban' | 'wallet' | 'channel' | 'path';

export interface ActionableString {
  kind: ActionableKind;
  /** `kind:normalised`, what provenance compares. */
  norm: string;
  /** As written (for the alert; masked by the engine when it is a secret). */
  written: string;
}

const EMAIL = /[a-z0-9._%+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,24}/gi;
const URL = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>`\\)\]}]+/gi;
const HOST =
  /(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|io|dev|app|ai|co|cloud|info|biz|xyz|me|us|uk|de|fr|nl|ru|cn|jp|in|br|eu|ch|online|site|tech|page|sh|gov|edu)(?![\w.-]*[\w-])/gi;
// Digit groups with dashes or single spaces (accounts, cards, phones); dates and times are not.
const NUMBER = /(?<![\w.+-])\+?\(?\d[\d)]*(?:[ -]?\(?\d+\)?)+(?![\w-])/g;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}|^\d{2}-\d{2}-\d{4}$/;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])/g;
// Bitcoin (legacy and bech32) and Ethereum addresses.
const WALLET = /\b(?:bc1[a-z0-9]{25,60}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[a-fA-F0-9]{40})\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const CHANNEL = /(?<![\w&#/])#[a-z][\w.-]{1,79}/gi;
const PATH = /(?<![\w:/.])(?:~|\.{1,2})?\/(?:[\w.@-]+\/)*[\w.@-]+/g;
const TRAILING = /[.,;:!?'"*_~/]+$/;
const MIN_DIGITS = 7;

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

/** The actionable strings in `text`, at most `max`, in the order kinds are searched. */
export function findActionableStrings(text: string, max = 64): ActionableString[] {
  const out: ActionableString[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(EMAIL)) add(out, seen, 'email', m[0].toLowerCase(), m[0], max);
  for (const m of text.matchAll(URL)) {
    const written = m[0].replace(TRAILING, '');
    add(out, seen, 'url', normaliseUrl(written), written, max);
  }
  for (const m of text.matchAll(HOST)) {
    // A host inside an e-mail address or URL was taken with it.
    const before = text[m.index - 1];
    if (before === '@') continue;
    add(out, seen, 'host', m[0].toLowerCase().replace(/^www\./, ''), m[0], max);
  }
  for (const m of text.matchAll(IPV4)) add(out, seen, 'ip', m[0], m[0], max);
  for (const m of text.matchAll(WALLET)) add(out, seen, 'wallet', m[0].toLowerCase(), m[0], max);
  for (const m of text.matchAll(NUMBER)) {
    const written = m[0].trim();
    if (DATE_LIKE.test(written)) continue;
    const digits = written.replace(/\D/g, '');
    if (digits.length >= MIN_DIGITS && digits.length <= 34) add(out, seen, 'number', digits, written, max);
  }
  for (const m of text.matchAll(IBAN)) add(out, seen, 'iban', m[0].replace(/ /g, ''), m[0], max);
  for (const m of text.matchAll(CHANNEL))
    add(out, seen, 'channel', m[0].toLowerCase().replace(TRAILING, ''), m[0], max);
  for (const m of text.matchAll(PATH)) {
    const written = m[0].replace(TRAILING, '');
    // `/` alone or one short segment (`/s`) says nothing about which file.
    if (written.length >= 4 && /[a-z]/i.test(written)) add(out, seen, 'path', written, written, max);
  }
  return out;
}

/** Kinds that say where a call goes (as opposed to what it carries). */
export function isDestinationKind(kind: ActionableKind): boolean {
  return kind !== 'path';
}
