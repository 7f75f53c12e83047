import protobuf from 'protobufjs';
import type { SpanAttributes } from '../model/index.js';
import {
  MAX_ATTRIBUTE_NESTING,
  OtlpDecodeError,
  type DecodedSpan,
  type NestedAttributeValue,
} from './decoded-span.js';
import { errorMessage } from '../model/index.js';

/**
 * Decodes an OTLP `ExportTraceServiceRequest` (protobuf) straight into DecodedSpans.
 *
 * protobufjs's reflected decoder (`ExportTraceServiceRequest.decode`, see otlp-schema.ts) builds an
 * object per KeyValue and AnyValue and a Long per timestamp: about 55k spans per CPU-second for
 * MCP-sized spans here. This walk uses protobufjs's wire Reader for varints and fixed-width
 * numbers and builds only what the collector keeps (one plain attribute object per span). Field
 * numbers are those of otlp-proto/; unknown fields are skipped, as protobuf requires. The unit tests
 * check it against the reflected decoder on the real exporter's bodies.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;

export type Reader = protobuf.Reader;

/**
 * Buffer's own slice decoders, which `toString(encoding, start, end)` reaches after an encoding
 * lookup that costs as much as the decoding of a short attribute key. protobufjs's BufferReader
 * calls them the same way.
 */
export interface SliceDecoders {
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
  base64Slice(start: number, end: number): string;
}

export function fail(reader: Reader, what: string): never {
  throw new OtlpDecodeError(`malformed protobuf at byte ${reader.pos}: ${what}`);
}

/** End offset of the length-delimited field that starts at the reader, checked against `limit`. */
export function lengthEnd(reader: Reader, limit: number): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > limit) fail(reader, `field length ${length} runs past the end of its message`);
  return end;
}

export function expectWire(reader: Reader, wire: number, expected: number, field: string): void {
  if (wire !== expected) fail(reader, `${field} has wire type ${wire}, expected ${expected}`);
}

function readString(reader: Reader, buf: Buffer, limit: number): string {
  const end = lengthEnd(reader, limit);
  const text = (buf as unknown as SliceDecoders).utf8Slice(reader.pos, end);
  reader.pos = end;
  return text;
}

function readHex(reader: Reader, buf: Buffer, limit: number): string {
  const end = lengthEnd(reader, limit);
  const text = (buf as unknown as SliceDecoders).hexSlice(reader.pos, end);
  reader.pos = end;
  return text;
}

/**
 * Attribute keys repeat on every span of every request: each is decoded once, then recognised by
 * its bytes. That spares a string per attribute and, since the same string comes back, hashing it
 * again when it is stored. An open-addressed table of hashed slots, probed a few slots on: with a
 * single slot per hash, two of a span's keys that collide would evict each other on every span.
 */
const KEY_SLOTS = 1024;
const KEY_PROBES = 4;
const MAX_CACHED_KEY_BYTES = 96;
const keyBytes: (Buffer | undefined)[] = new Array<Buffer | undefined>(KEY_SLOTS).fill(undefined);
const keyTexts: string[] = new Array<string>(KEY_SLOTS).fill('');

function readKey(reader: Reader, buf: Buffer, limit: number): string {
  const end = lengthEnd(reader, limit);
  const start = reader.pos;
  const length = end - start;
  reader.pos = end;
  if (length > MAX_CACHED_KEY_BYTES) return (buf as unknown as SliceDecoders).utf8Slice(start, end);
  let hash = length;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + buf[i]!) | 0;
  let free = -1;
  for (let probe = 0; probe < KEY_PROBES; probe++) {
    const slot = (hash + probe) & (KEY_SLOTS - 1);
    const cached = keyBytes[slot];
    if (cached === undefined) {
      if (free < 0) free = slot;
      continue;
    }
    if (cached.length !== length) continue;
    let i = 0;
    while (i < length && cached[i] === buf[start + i]) i++;
    if (i === length) return keyTexts[slot]!;
  }
  const text = (buf as unknown as SliceDecoders).utf8Slice(start, end);
  // When every probed slot is taken, the first is replaced. A copy: the request body is released
  // once the request is answered.
  const slot = free < 0 ? hash & (KEY_SLOTS - 1) : free;
  keyBytes[slot] = Buffer.from(buf.subarray(start, end));
  keyTexts[slot] = text;
  return text;
}

/**
 * fixed64 nanoseconds since the epoch, as milliseconds. `high * 2^32 + low` does not fit a double
 * exactly; splitting 2^32 = 4294 * 10^6 + 967296 keeps whole milliseconds exact.
 */
function readNanosAsMs(reader: Reader): number {
  const low = reader.fixed32();
  const high = reader.fixed32();
  return high * 4294 + (high * 967296 + low) / 1e6;
}

function readInt64(reader: Reader): number {
  const value: unknown = reader.int64();
  return typeof value === 'number' ? value : (value as { toNumber(): number }).toNumber();
}

export function skip(reader: Reader, wire: number, limit: number): void {
  reader.skipType(wire);
  if (reader.pos > limit) fail(reader, 'field runs past the end of its message');
}

/** AnyValue → a value (nested array/kvlist values stay structured until the top level). */
function readAnyValue(reader: Reader, buf: Buffer, end: number, depth: number): NestedAttributeValue {
  let value: NestedAttributeValue = null;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(reader, wire, WIRE_LEN, 'AnyValue.string_value');
        value = readString(reader, buf, end);
        break;
      case 2:
        expectWire(reader, wire, WIRE_VARINT, 'AnyValue.bool_value');
        value = reader.bool();
        break;
      case 3:
        expectWire(reader, wire, WIRE_VARINT, 'AnyValue.int_value');
        value = readInt64(reader);
        break;
      case 4:
        expectWire(reader, wire, WIRE_FIXED64, 'AnyValue.double_value');
        value = reader.double();
        break;
      case 5:
        expectWire(reader, wire, WIRE_LEN, 'AnyValue.array_value');
        value = readArrayValue(reader, buf, lengthEnd(reader, end), depth + 1);
        break;
      case 6:
        expectWire(reader, wire, WIRE_LEN, 'AnyValue.kvlist_value');
        value = readKeyValueList(reader, buf, lengthEnd(reader, end), depth + 1);
        break;
      case 7: {
        expectWire(reader, wire, WIRE_LEN, 'AnyValue.bytes_value');
        const bytesEnd = lengthEnd(reader, end);
        value = (buf as unknown as SliceDecoders).base64Slice(reader.pos, bytesEnd);
        reader.pos = bytesEnd;
        break;
      }
      default:
        skip(reader, wire, end);
    }
  }
  return value;
}

export function checkDepth(reader: Reader, depth: number): void {
  if (depth > MAX_ATTRIBUTE_NESTING)
    fail(reader, `attribute values nested deeper than ${MAX_ATTRIBUTE_NESTING}`);
}

function readArrayValue(reader: Reader, buf: Buffer, end: number, depth: number): NestedAttributeValue[] {
  checkDepth(reader, depth);
  const values: NestedAttributeValue[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) {
      expectWire(reader, tag & 7, WIRE_LEN, 'ArrayValue.values');
      values.push(readAnyValue(reader, buf, lengthEnd(reader, end), depth));
    } else skip(reader, tag & 7, end);
  }
  return values;
}

function readKeyValueList(
  reader: Reader,
  buf: Buffer,
  end: number,
  depth: number,
): { [key: string]: NestedAttributeValue } {
  checkDepth(reader, depth);
  const values: { [key: string]: NestedAttributeValue } = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) {
      expectWire(reader, tag & 7, WIRE_LEN, 'KeyValueList.values');
      readKeyValue(reader, buf, lengthEnd(reader, end), depth, values, false);
    } else skip(reader, tag & 7, end);
  }
  return values;
}

/**
 * KeyValue into `into`. At the top level (`flatten`), span-codec values are stored as they are and
 * nested values as JSON text; empty values are left out.
 */
function readKeyValue(
  reader: Reader,
  buf: Buffer,
  end: number,
  depth: number,
  into: Record<string, NestedAttributeValue>,
  flatten: boolean,
): void {
  let key = '';
  let value: NestedAttributeValue = null;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(reader, wire, WIRE_LEN, 'KeyValue.key');
        key = readKey(reader, buf, end);
        break;
      case 2:
        expectWire(reader, wire, WIRE_LEN, 'KeyValue.value');
        value = readAnyValue(reader, buf, lengthEnd(reader, end), depth);
        break;
      default:
        skip(reader, wire, end);
    }
  }
  if (!flatten) into[key] = value;
  else if (value !== null) into[key] = typeof value === 'object' ? JSON.stringify(value) : value;
}

function readAttribute(reader: Reader, buf: Buffer, end: number, into: SpanAttributes): void {
  readKeyValue(reader, buf, end, 0, into, true);
}

function readAttributesMessage(reader: Reader, buf: Buffer, end: number, field: number): SpanAttributes {
  const attributes: SpanAttributes = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === field && (tag & 7) === WIRE_LEN)
      readAttribute(reader, buf, lengthEnd(reader, end), attributes);
    else skip(reader, tag & 7, end);
  }
  return attributes;
}

function readScopeName(reader: Reader, buf: Buffer, end: number): string {
  let name = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) name = readString(reader, buf, end);
    else skip(reader, tag & 7, end);
  }
  return name;
}

function readStatusCode(reader: Reader, end: number): number {
  let code = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag >>> 3 === 3 && (tag & 7) === WIRE_VARINT) code = reader.int32();
    else skip(reader, tag & 7, end);
  }
  return code;
}

function readSpan(
  reader: Reader,
  buf: Buffer,
  end: number,
  resource: SpanAttributes,
  scope: string,
): DecodedSpan {
  const span: DecodedSpan = {
    traceId: '',
    spanId: '',
    name: '',
    kind: 0,
    startTimeMs: NaN,
    endTimeMs: NaN,
    attributes: Object.create(null) as SpanAttributes,
    statusCode: 0,
    resource,
    scope,
  };
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(reader, wire, WIRE_LEN, 'Span.trace_id');
        span.traceId = readHex(reader, buf, end);
        break;
      case 2:
        expectWire(reader, wire, WIRE_LEN, 'Span.span_id');
        span.spanId = readHex(reader, buf, end);
        break;
      case 5:
        expectWire(reader, wire, WIRE_LEN, 'Span.name');
        span.name = readString(reader, buf, end);
        break;
      case 6:
        expectWire(reader, wire, WIRE_VARINT, 'Span.kind');
        span.kind = reader.int32();
        break;
      case 7:
        expectWire(reader, wire, WIRE_FIXED64, 'Span.start_time_unix_nano');
        span.startTimeMs = readNanosAsMs(reader);
        break;
      case 8:
        expectWire(reader, wire, WIRE_FIXED64, 'Span.end_time_unix_nano');
        span.endTimeMs = readNanosAsMs(reader);
        break;
      case 9:
        expectWire(reader, wire, WIRE_LEN, 'Span.attributes');
        readAttribute(reader, buf, lengthEnd(reader, end), span.attributes);
        break;
      case 15:
        expectWire(reader, wire, WIRE_LEN, 'Span.status');
        span.statusCode = readStatusCode(reader, lengthEnd(reader, end));
        break;
      default:
        skip(reader, wire, end);
    }
  }
  return span;
}

function readScopeSpans(
  reader: Reader,
  buf: Buffer,
  end: number,
  resource: SpanAttributes,
  out: DecodedSpan[],
): void {
  let scope = '';
  // The scope usually precedes the spans, but protobuf allows any field order.
  const first = out.length;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(reader, wire, WIRE_LEN, 'ScopeSpans.scope');
        scope = readScopeName(reader, buf, lengthEnd(reader, end));
        break;
      case 2:
        expectWire(reader, wire, WIRE_LEN, 'ScopeSpans.spans');
        out.push(readSpan(reader, buf, lengthEnd(reader, end), resource, scope));
        break;
      default:
        skip(reader, wire, end);
    }
  }
  for (let i = first; i < out.length; i++) out[i]!.scope = scope;
}

function readResourceSpans(reader: Reader, buf: Buffer, end: number, out: DecodedSpan[]): void {
  let resource: SpanAttributes = {};
  const first = out.length;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(reader, wire, WIRE_LEN, 'ResourceSpans.resource');
        resource = readAttributesMessage(reader, buf, lengthEnd(reader, end), 1);
        break;
      case 2:
        expectWire(reader, wire, WIRE_LEN, 'ResourceSpans.scope_spans');
        readScopeSpans(reader, buf, lengthEnd(reader, end), resource, out);
        break;
      default:
        skip(reader, wire, end);
    }
  }
  for (let i = first; i < out.length; i++) out[i]!.resource = resource;
}

/** Decodes a protobuf `ExportTraceServiceRequest`; throws OtlpDecodeError when it is malformed. */
export function decodeOtlpProtobuf(body: Buffer): DecodedSpan[] {
  const reader = protobuf.Reader.create(body);
  const spans: DecodedSpan[] = [];
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === 1) {
        expectWire(reader, tag & 7, WIRE_LEN, 'ExportTraceServiceRequest.resource_spans');
        readResourceSpans(reader, body, lengthEnd(reader, reader.len), spans);
      } else skip(reader, tag & 7, reader.len);
    }
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    // protobufjs's Reader throws RangeError ("index out of range") on a truncated varint or number.
    throw new OtlpDecodeError(`malformed protobuf at byte ${reader.pos}: ${errorMessage(error)}`);
  }
  return spans;
}
