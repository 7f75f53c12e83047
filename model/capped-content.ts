import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Content that reached (or came from) the model: kept up to a cap, with the full length and
 * SHA-256 of the original so that the fact and identity of the content survive truncation.
 */
export const CappedContentSchema = z.object({
  text: z.string(),
  truncated: z.boolean(),
  /** UTF-8 byte length of the original content. */
  bytes: z.number().int().nonnegative(),
  /** Hex SHA-256 of the original content. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CappedContent = z.infer<typeof CappedContentSchema>;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Caps `text` to at most `capBytes` UTF-8 bytes without splitting a character. */
export function capContent(text: string, capBytes: number): CappedContent {
  const buffer = Buffer.from(text, 'utf8');
  const sha256 = sha256Hex(text);
  if (buffer.length <= capBytes) {
    return { text, truncated: false, bytes: buffer.length, sha256 };
  }
  let end = Math.max(0, capBytes);
  // Back off continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((buffer[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: buffer.subarray(0, end).toString('utf8'), truncated: true, bytes: buffer.length, sha256 };
}

export const EMPTY_CONTENT: CappedContent = capContent('', 0);
