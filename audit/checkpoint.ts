import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../model/index.js';
import type { Segment } from './segment-chain.js';

/**
 * A signed checkpoint: what a segment is (its chain, position, hash and span), signed with the
 * audit key (Ed25519). It is stored beside the segment and copied where the store's operators
 * cannot rewrite it (a Kafka topic, an append-only file), so that rewriting a segment and its
 * checkpoint together in the store still shows.
 */

export const CheckpointSchema = z.object({
  v: z.literal(1),
  tenant: z.string(),
  writer: z.string(),
  seq: z.number().int().nonnegative(),
  previous: z.string(),
  hash: z.string(),
  count: z.number().int().positive(),
  first_time_ms: z.number().int(),
  last_time_ms: z.number().int(),
  sealed_at_ms: z.number().int(),
  key_id: z.string(),
  signature: z.string(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** The first 16 hex digits of the SHA-256 of the public key (SPKI DER): names the key in checkpoints. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the audit signing key is ${privateKey.asymmetricKeyType ?? 'unknown'}, not ed25519`);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

function signedBytes(checkpoint: Omit<Checkpoint, 'signature'>): Buffer {
  const { signature: _ignored, ...body } = checkpoint as Checkpoint;
  return Buffer.from(canonicalJson(body));
}

export function signCheckpoint(segment: Segment, key: SigningKey, sealedAtMs: number): Checkpoint {
  const body = {
    v: 1 as const,
    tenant: segment.tenant,
    writer: segment.writer,
    seq: segment.seq,
    previous: segment.previous,
    hash: segment.hash,
    count: segment.count,
    first_time_ms: segment.first_time_ms,
    last_time_ms: segment.last_time_ms,
    sealed_at_ms: sealedAtMs,
    key_id: key.keyId,
  };
  return { ...body, signature: sign(null, signedBytes(body), key.privateKey).toString('base64') };
}

export function checkpointSignatureValid(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  try {
    return verify(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  } catch {
    return false;
  }
}
