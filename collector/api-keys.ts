import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../platform/index.js';

/**
 * Tenant API keys. The collector holds only SHA-256 digests of the keys (`tenant:sha256hex`); a
 * presented key is hashed and compared with every configured digest in constant time, so neither the
 * keys nor which digest matched leak through timing. The tenant comes from the key alone.
 */

export interface ApiKeyEntry {
  tenant: string;
  digest: Buffer;
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;
const TENANT = /^[A-Za-z0-9._-]{1,128}$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The entry of one key known in full (the embedded mode's own key). */
export function apiKeyEntry(tenant: string, key: string): ApiKeyEntry {
  return { tenant, digest: Buffer.from(hashApiKey(key), 'hex') };
}

/**
 * Parses `tenant:sha256hex` entries (comma- or newline-separated; `#` starts a comment line).
 * `source` names where they came from, for the error message.
 */
export function parseApiKeyEntries(text: string, source: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  for (const raw of text.split(/[\n,]/)) {
    const item = raw.trim();
    if (item === '' || item.startsWith('#')) continue;
    const colon = item.lastIndexOf(':');
    const tenant = item.slice(0, colon).trim();
    const digest = item
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (colon <= 0 || !TENANT.test(tenant) || !HEX_DIGEST.test(digest)) {
      throw new ConfigError(
        `${source}: expected entries 'tenant:sha256hex' (tenant of letters, digits, '.', '_', '-'; ` +
          `the SHA-256 hex of the key, from 'mcptap collector hash-key'), got an entry for '${tenant.slice(0, 64)}'`,
      );
    }
    entries.push({ tenant, digest: Buffer.from(digest, 'hex') });
  }
  return entries;
}

export interface AuthenticatedKey {
  tenant: string;
  /** The tenant and the first 8 hex digits of the key's digest: names the key in logs and limits. */
  keyId: string;
}

export class ApiKeyAuthenticator {
  private readonly entries: readonly ApiKeyEntry[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.entries = entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The tenant of `key` and an id of the key safe to log, or undefined for an unknown key. */
  authenticate(key: string): AuthenticatedKey | undefined {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let found: ApiKeyEntry | undefined;
    for (const entry of this.entries) {
      // No early exit: every digest is compared whatever matched.
      if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry;
    }
    if (found === undefined) return undefined;
    return { tenant: found.tenant, keyId: `${found.tenant}/${found.digest.toString('hex', 0, 4)}` };
  }
}

/** The key a request presents: `x-mcptap-api-key`, else `Authorization: Bearer <key>`. */
export function presentedApiKey(headers: {
  'x-mcptap-api-key'?: string | string[];
  authorization?: string;
}): string | undefined {
  const header = headers['x-mcptap-api-key'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct !== undefined && direct !== '') return direct;
  const authorization = headers.authorization;
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}
