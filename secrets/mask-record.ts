import type { EnvVarSpec } from '../platform/env-config.js';
import { maskSecrets } from './find-secrets.js';

/**
 * Secrets leave the process that received them masked: every string of a record (an event, an
 * alert, a raw span, a dead letter, a transcript line) goes through a masker that puts
 * `[SECRET:<type>:<fingerprint>]` in place of each secret. The collector, the sink, the dead
 * letters and `--record` all use this one walker.
 */

/** What a masker knows of the text it masks. */
export interface MaskContext {
  /** The text is capped content that was cut (`CappedContent.truncated`): it may end in part of a secret. */
  truncated: boolean;
}

export type SecretMasker = (text: string, context: MaskContext) => string;

/**
 * `text` with every secret masked (`maskSecrets`: `[SECRET:<type>:<fingerprint>]`, `:<encoding>` added
 * for a base64-, hex- or URL-encoded one, so that detectors downstream find in the mask all they would
 * have found in the secret), told whether the text was cut at a cap. Masks already in the text stay as
 * they are: records are masked again on their way (the collector, then the sink).
 */
export const maskSecretsInText: SecretMasker = (text, context) => maskSecrets(text, context);

/**
 * Identity fields of records, left as they are: ids correlate events, and the `sha256` of capped
 * content is a hash of the original, not the secret.
 */
export const RECORD_IDENTITY_FIELDS: ReadonlySet<string> = new Set([
  'event_id',
  'time',
  'sha256',
  'hash',
  'previous_hash',
  'fingerprint',
  'source_event_id',
  'evidence_event_ids',
  'trace_id',
  'span_id',
]);

const NOTHING_KEPT: ReadonlySet<string> = new Set();
const WHOLE: MaskContext = { truncated: false };
const CUT: MaskContext = { truncated: true };

function maskValue(
  value: unknown,
  mask: SecretMasker,
  keep: ReadonlySet<string>,
  context: MaskContext,
): unknown {
  if (typeof value === 'string') return mask(value, context);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const masked = maskValue(item, mask, keep, WHOLE);
      if (masked !== item) (out ??= [...value])[i] = masked;
    }
    return out ?? value;
  }
  const record = value as Record<string, unknown>;
  // Capped content's `text` was cut when `truncated` is set; everything else is whole.
  const textContext = record.truncated === true ? CUT : WHOLE;
  let out: Record<string, unknown> | undefined;
  // Records are plain data: `for…in` walks their keys without building an array of them per object.
  for (const key in record) {
    if (keep.has(key)) continue;
    const item = record[key];
    const masked = maskValue(item, mask, keep, key === 'text' ? textContext : WHOLE);
    if (masked !== item) (out ??= { ...record })[key] = masked;
  }
  return out ?? value;
}

/**
 * `value` with every string masked, at any depth, except under the keys in `keep`; the same object
 * (or array) when nothing in it changed, otherwise a copy (the original is never modified).
 */
export function maskStrings<T>(value: T, mask: SecretMasker, keep: ReadonlySet<string> = NOTHING_KEPT): T {
  return maskValue(value, mask, keep, WHOLE) as T;
}

/** An event, alert or raw-span record with its content masked and its identity fields kept. */
export function maskRecord<T>(record: T, mask: SecretMasker): T {
  return maskStrings(record, mask, RECORD_IDENTITY_FIELDS);
}

/**
 * A serialised record (a Kafka message's value) masked: JSON is masked value by value and written
 * again, anything else is masked as text. For payloads that failed validation (dead letters).
 */
export function maskSerialised(text: string, mask: SecretMasker): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return mask(text, WHOLE);
  }
  const masked = maskRecord(parsed, mask);
  return masked === parsed ? text : JSON.stringify(masked);
}

/** The operator's opt-in to keep secrets raw, read by every component that masks (collector and sink). */
export const SECRETS_UNMASKED_ENV: EnvVarSpec = {
  name: 'MCPTAP_STORE_SECRETS_UNMASKED',
  default: 'false',
  description:
    'true keeps secrets found in traffic raw end to end: the collector (and `mcptap local`) produces them unmasked, dead letters copy them, the sink stores them; by default each masks them (`[SECRET:<type>:<fingerprint>]`, what detectors need survives). Set it on the collector and the sink alike',
};
