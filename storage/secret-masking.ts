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

function maskValue(value: unknown, mask: SecretMasker): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((item) => maskValue(item, mask));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = KEEP.has(key) || key === 'evidence_event_ids' ? item : maskValue(item, mask);
    }
    return out;
  }
  return value;
}

export function maskRecord<R extends StoredRecord>(record: R, mask: SecretMasker): R {
  return maskValue(record, mask) as R;
}
