import { sha256Hex } from '../model/index.js';

/**
 * A secret's fingerprint links every event that carried it, whatever the encoding: it hashes the
 * decoded value (the scan decodes JSON, URL, base64 and hex layers before matching), and for a PEM
 * key a canonical form, because the same key is written with its line breaks as `\n`, `\\n`, CRLF,
 * re-wrapped at another width or stripped out.
 */

const PEM_HEADER = /^-----BEGIN ?([A-Z0-9 ]*?) ?PRIVATE ?KEY(?: ?BLOCK)?-----/;
/** What is not part of a PEM key's content: whitespace, and escapes of line breaks or slashes. */
const PEM_LAYOUT = /\s+|\\+[nrt]|\\+(?=\/)/g;

/**
 * The key type and base64 body of a PEM private key with its layout removed; any other value as it
 * is. A key cut short (no END line) keeps the part that is there.
 */
export function canonicalSecret(value: string): string {
  const header = PEM_HEADER.exec(value);
  if (header === null) return value;
  const end = value.indexOf('-----END', header[0].length);
  const body = value.slice(header[0].length, end === -1 ? value.length : end);
  return `${header[1]!.replace(/ /g, '')}PRIVATEKEY:${body.replace(PEM_LAYOUT, '')}`;
}

/** First 8 hex digits of the SHA-256 of the secret's canonical form: one per secret, in any encoding. */
export function secretFingerprint(value: string): string {
  return sha256Hex(canonicalSecret(value)).slice(0, 8);
}
