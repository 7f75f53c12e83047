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
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((item: unknown, i) => {
      const masked = maskValue(item, mask);
      if (masked !== item) (out ??= [...value])[i] = masked;
    });
    return out ?? value;
  }
  if (value !== null && typeof value === 'object') {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      if (KEEP.has(key) || key === 'evidence_event_ids') continue;
      const item: unknown = (value as Record<string, unknown>)[key];
      const masked = maskValue(item, mask);
      if (masked !== item) (out ??= { ...value })[key] = masked;
    }
    return out ?? value;
  }
  return value;
}

export function maskRecord<R extends StoredRecord>(record: R, mask: SecretMasker): R {
  return maskValue(record, mask) as R;
}
