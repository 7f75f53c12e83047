/** A plain JSON object (not null, not an array): the shape every untrusted-JSON walker checks first. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
