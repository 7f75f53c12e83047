/** Reading fields of JSON-RPC messages, which arrive untyped. */

export type JsonObject = Record<string, unknown>;

/** The value when it is a string, else empty. */
export function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Bytes of the value as JSON (UTF-8), as it crossed the transport. */
export function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
