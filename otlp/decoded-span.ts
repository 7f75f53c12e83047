import type { SpanAttributes } from '../model/index.js';

/**
 * A span as the OTLP decoders (protobuf and JSON) deliver it: the fields the collector uses, with
 * attributes as a plain object. It has the `startTimeMs`, `endTimeMs` and `attributes` of the span
 * codec's `CodecSpan`, so it goes to `decodeSpanAsEvent` unchanged.
 */
export interface DecodedSpan {
  /** Lower-case hex, empty when absent. */
  traceId: string;
  spanId: string;
  name: string;
  /** OTLP `Span.SpanKind` number (0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  /** NaN when absent or not a number. */
  startTimeMs: number;
  endTimeMs: number;
  attributes: SpanAttributes;
  /** OTLP `Status.StatusCode` (0 unset, 1 ok, 2 error). */
  statusCode: number;
  /** Attributes of the span's resource; one object shared by the spans of that resource. */
  resource: SpanAttributes;
  /** Name of the instrumentation scope. */
  scope: string;
}

/** The body could not be decoded at all: answered 400, nothing of it is used. */
export class OtlpDecodeError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}

/** Array and key/value-list attribute values have no span-codec type: they are kept as JSON text. */
export type NestedAttributeValue =
  string | number | boolean | null | NestedAttributeValue[] | { [key: string]: NestedAttributeValue };

export const MAX_ATTRIBUTE_NESTING = 8;
