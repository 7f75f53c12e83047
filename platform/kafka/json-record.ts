import type { Decoded } from './batch-consumer.js';
import { errorMessage } from '../../model/index.js';

/**
 * A record's JSON value through the component's parser (the event model's validation), or why it
 * cannot be: the reason a dead letter carries. The parsers' messages name paths and expectations,
 * not values; dead letters mask them anyway.
 */
export function decodeJsonRecord<T>(
  value: Buffer | null,
  parse: (json: unknown) => T,
  what: string,
): Decoded<T> {
  if (value === null) return { ok: false, reason: 'empty message (tombstone)' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${errorMessage(error)}` };
  }
  try {
    return { ok: true, value: parse(json) };
  } catch (error) {
    return {
      ok: false,
      reason: `not a valid ${what}: ${errorMessage(error)}`,
    };
  }
}
