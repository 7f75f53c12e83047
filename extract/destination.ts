import { isIPv6 } from 'node:net';

/**
 * Outbound destinations written in text: URLs of any scheme, e-mail addresses, IP literals (also
 * in decimal, octal and hex forms, which resolvers accept and filters often miss) and bare host
 * names. Hosts are normalised (lower case, IPv4 as dotted decimal) so that detectors compare one
 * form; the value keeps what was written.
 */
export interface Destination {
  /** `https`, `mailto`, `file`, `gopher`, … or `host` for a bare host or IP. */
  scheme: string;
  host: string;
  /** 0 when the text gives no port. */
  port: number;
  /** As written. */
  value: string;
}

export interface FoundDestination extends Destination {
  start: number;
  end: number;
}

const URL_WITH_AUTHORITY = /\b[a-z][a-z0-9+.-]{1,31}:\/\/[^\s"'<>`\\]+/gi;
const OPAQUE_URL = /\b(?:mailto:[^\s"'<>`\\]+|file:\/(?!\/)[^\s"'<>`\\]*)/gi;
const EMAIL_LOCAL_CHAR = /[a-z0-9._%+-]/i;
const EMAIL_DOMAIN_CHAR = /[a-z0-9.-]/i;
const EMAIL_DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const IPV4_IN_TEXT = /(?<![\w.:-])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.-])/g;
const TRAILING_PUNCTUATION = /[.,;:!?'"*_~]+$/;

const NUMERIC_HOST = /^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+)){0,3}$/i;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}\.?$/i;
const HOST_PORT = /^(.*?)(?::(\d{1,5}))?$/;
/** Suffixes that make a bare `name.suffix` argument a host rather than a file name. */
const HOST_SUFFIXES = new Set(
  (
    'com net org io dev app ai co cloud internal local localhost lan corp home arpa gov edu mil int info biz xyz ' +
    'me us uk de fr nl ru cn jp in br eu ch se no online site tech page sh run'
  ).split(' '),
);

function ipv4Part(text: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(text)) return text.length === 2 ? 0 : parseInt(text.slice(2), 16);
  if (/^0[0-7]*$/.test(text)) return parseInt(text, 8);
  if (/^[1-9]\d*$/.test(text)) return Number(text);
  return null;
}

/**
 * `inet_aton` semantics: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last part
 * fills the remaining bytes. `2130706433`, `0x7f.1`, `0177.0.0.01` all give `127.0.0.1`.
 */
export function normalizeIpv4(host: string): string | null {
  const parts = host.split('.');
  if (parts.length === 0 || parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const value = ipv4Part(part);
    if (value === null || !Number.isSafeInteger(value)) return null;
    numbers.push(value);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255) || last >= 256 ** (4 - numbers.length)) return null;
  let address = last;
  numbers.forEach((n, i) => (address += n * 256 ** (3 - i)));
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase().replace(/\.$/, '');
  return normalizeIpv4(lower) ?? lower;
}

function port(text: string | undefined): number {
  const value = Number(text ?? 0);
  return Number.isInteger(value) && value >= 0 && value <= 65535 ? value : 0;
}

/** A URL of any scheme (`https://…`, `gopher://…`, `file:/…`, `mailto:…`), or null. */
export function destinationFromUrl(value: string): Destination | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme === 'mailto') {
    const address = decodeURIComponent(url.pathname.split(',')[0] ?? '');
    const at = address.lastIndexOf('@');
    return { scheme, host: at < 0 ? '' : normalizeHost(address.slice(at + 1)), port: 0, value };
  }
  return { scheme, host: normalizeHost(url.hostname), port: port(url.port), value };
}

function trimUrl(text: string): string {
  let url = text.replace(TRAILING_PUNCTUATION, '');
  // A closing bracket belongs to the URL only when the URL opened it: `(see https://x/a_(b))`.
  for (const [open, close] of [
    ['(', ')'],
    ['[', ']'],
    ['{', '}'],
  ] as const) {
    while (url.endsWith(close) && url.split(open).length < url.split(close).length) {
      url = url.slice(0, -1).replace(TRAILING_PUNCTUATION, '');
    }
  }
  return url;
}

function overlaps(taken: readonly FoundDestination[], start: number, end: number): boolean {
  return taken.some((d) => start < d.end && end > d.start);
}

/**
 * E-mail addresses, found by growing outwards from each `@` (at most 64 characters to the left,
 * 253 to the right): linear in the text, where a single regular expression backtracks
 * quadratically on long runs of letters — and the shim must stay cheap on hostile input.
 */
function findEmails(text: string): FoundDestination[] {
  const found: FoundDestination[] = [];
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && EMAIL_LOCAL_CHAR.test(text[start - 1] ?? '')) start--;
    let end = at + 1;
    while (end < text.length && end - at <= 253 && EMAIL_DOMAIN_CHAR.test(text[end] ?? '')) end++;
    const domain = text.slice(at + 1, end).replace(/[.-]+$/, '');
    if (start === at || !EMAIL_DOMAIN.test(domain)) continue;
    end = at + 1 + domain.length;
    found.push({
      scheme: 'mailto',
      host: normalizeHost(domain),
      port: 0,
      value: text.slice(start, end),
      start,
      end,
    });
  }
  return found;
}

/** Every URL, e-mail address and dotted IPv4 literal in free text, in order of appearance. */
export function findDestinationsInText(text: string): FoundDestination[] {
  const found: FoundDestination[] = [];
  for (const pattern of [URL_WITH_AUTHORITY, OPAQUE_URL]) {
    for (const match of text.matchAll(pattern)) {
      const value = trimUrl(match[0]);
      const start = match.index;
      const destination = destinationFromUrl(value);
      if (destination !== null && !overlaps(found, start, start + value.length)) {
        found.push({ ...destination, start, end: start + value.length });
      }
    }
  }
  for (const email of findEmails(text)) {
    if (!overlaps(found, email.start, email.end)) found.push(email);
  }
  for (const match of text.matchAll(IPV4_IN_TEXT)) {
    const start = match.index;
    const [, host = '', portText] = HOST_PORT.exec(match[0]) ?? [];
    const normalized = normalizeIpv4(host);
    if (normalized === null || overlaps(found, start, start + match[0].length)) continue;
    found.push({
      scheme: 'host',
      host: normalized,
      port: port(portText),
      value: match[0],
      start,
      end: start + match[0].length,
    });
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * A whole value that is only a host or IP (`169.254.169.254`, `[fd00:ec2::254]:80`,
 * `metadata.google.internal`, `2130706433`). `hostLikeKey` says the value sits under a key such as
 * `host` or `url`: then single-number IPs and any domain count; otherwise only unambiguous forms
 * do, so that `notes.txt` and version numbers are not taken for hosts.
 */
export function destinationFromBareHost(value: string, hostLikeKey: boolean): Destination | null {
  const text = value.trim();
  if (text === '' || /\s|\//.test(text)) return null;
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/i.exec(text);
  if (bracketed !== null && isIPv6(bracketed[1] ?? '')) {
    return { scheme: 'host', host: (bracketed[1] ?? '').toLowerCase(), port: port(bracketed[2]), value };
  }
  if (isIPv6(text)) return { scheme: 'host', host: text.toLowerCase(), port: 0, value };
  const [, host = '', portText] = HOST_PORT.exec(text) ?? [];
  if (NUMERIC_HOST.test(host)) {
    const dotted = host.split('.').length === 4;
    const normalized = normalizeIpv4(host);
    if (normalized === null || (!dotted && !hostLikeKey)) return null;
    return { scheme: 'host', host: normalized, port: port(portText), value };
  }
  if (DOMAIN.test(host)) {
    const suffix = host.replace(/\.$/, '').split('.').pop()?.toLowerCase() ?? '';
    if (!hostLikeKey && !HOST_SUFFIXES.has(suffix)) return null;
    return { scheme: 'host', host: normalizeHost(host), port: port(portText), value };
  }
  return null;
}
