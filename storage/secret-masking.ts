import type { StoredRecord } from './row-codec.js';

/**
 * Secrets at rest: before a record is stored, every string value in it is passed through the
 * secret masker (type + fingerprint in place of the value). Identity fields are left alone: ids
 * correlate events, and the `sha256` of capped content is a hash of the original, not the secret.
 */

export type SecretMasker = (text: string) => string;

const KEEP = new Set([
  'event_id',
  'time',
  'sha256',
  'hash',
  'previous_hash',
  'fingerprint',
  'source_event_id',
]);

/** `value` with every string masked; the same object (or array) when nothing in it changed. */
function maskValue(value: unknown, mask: SecretMasker): unknown {
  if (typeof value === 'string') return mask(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const masked = maskValue(item, mask);
      if (masked !== item) (out ??= [...value])[i] = masked;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  // Records are plain data: `for…in` walks their keys without building an array of them per object.
  for (const key in value) {
    if (KEEP.has(key) || key === 'evidence_event_ids') continue;
    const item: unknown = (value as Record<string, unknown>)[key];
    const masked = maskValue(item, mask);
    if (masked !== item) (out ??= { ...value })[key] = masked;
  }
  return out ?? value;
}

export function maskRecord<R extends StoredRecord>(record: R, mask: SecretMasker): R {
  return maskValue(record, mask) as R;
}
