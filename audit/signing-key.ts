import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { signingKeyFromPem, type SigningKey } from './checkpoint.js';

/**
 * The audit key pair on disk: the private key (PKCS#8 PEM, 0600) at the configured path, and its
 * public half beside it as `<path>.pub` (SPKI PEM), which is what a verifier needs.
 */

export function publicKeyPath(privateKeyPath: string): string {
  return `${privateKeyPath}.pub`;
}

/** Writes a new key pair; refuses to overwrite an existing key (checkpoints signed by it would no longer verify). */
export function generateSigningKeyFile(path: string): SigningKey {
  if (existsSync(path)) {
    throw new Error(`${path} already exists; move it away first (checkpoints it signed need its public key)`);
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
  const key = signingKeyFromPem(pem);
  writeFileSync(publicKeyPath(path), key.publicKey.export({ type: 'spki', format: 'pem' }) as string, {
    mode: 0o644,
  });
  return key;
}

/** Reads the signing key; a key others can read is refused (anyone who has it can forge checkpoints). */
export function readSigningKeyFile(path: string): SigningKey {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new Error(
      `the audit signing key ${path} does not exist: create it with 'mcptap audit keygen --key ${path}'`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `the audit signing key ${path} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
    );
  }
  return signingKeyFromPem(readFileSync(path, 'utf8'));
}

/** `mcptap local`'s key: made on first use, tightened to 0600 on every start. */
export function ensureSigningKeyFile(path: string): SigningKey {
  if (!existsSync(path)) return generateSigningKeyFile(path);
  chmodSync(path, 0o600);
  return readSigningKeyFile(path);
}

/** A public key from a PEM file (SPKI, or a private key whose public half is taken). */
export function readPublicKeyFile(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`cannot read the audit public key ${path}`);
  }
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an ed25519 key`);
  return key;
}
