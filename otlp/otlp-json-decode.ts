import type { SpanAttributes } from '../model/index.js';
import {
  MAX_ATTRIBUTE_NESTING,
  OtlpDecodeError,
  type DecodedSpan,
  type NestedAttributeValue,
} from './decoded-span.js';
import { errorMessage } from '../model/index.js';

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` (the protobuf JSON mapping with the OTLP
 * exceptions: lowerCamelCase keys, hex trace and span ids, enums as integers, 64-bit integers as
 * strings or numbers). A body whose structure is not that message is refused whole (400); a span
 * whose fields have odd values is decoded as it is and rejected later, on its own.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODE_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

const DIGITS = /^\d+$/;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(value: Json | undefined, path: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new OtlpDecodeError(`${path} must be an object`);
  return value;
}

function arrayAt(value: Json | undefined, path: string): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${path} must be an array`);
  return value;
}

/** Unix nanoseconds (decimal string or number) as milliseconds; NaN when not a number. */
export function nanosToMs(value: Json | undefined): number {
  if (typeof value === 'number') return value / 1e6;
  if (typeof value !== 'string' || !DIGITS.test(value)) return NaN;
  // Split so that whole milliseconds stay exact (19-digit nanoseconds exceed a double's precision).
  if (value.length <= 6) return Number(value) / 1e6;
  return Number(value.slice(0, -6)) + Number(value.slice(-6)) / 1e6;
}

function enumValue(value: Json | undefined, names: Record<string, number>): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return names[value] ?? 0;
  return 0;
}

function anyValue(value: Json | undefined, path: string, depth: number): NestedAttributeValue {
  if (depth > MAX_ATTRIBUTE_NESTING)
    throw new OtlpDecodeError(`${path}: attribute values nested deeper than ${MAX_ATTRIBUTE_NESTING}`);
  const v = objectAt(value, path);
  if (v === undefined) return null;
  if (v.stringValue !== undefined)
    return typeof v.stringValue === 'string' ? v.stringValue : String(v.stringValue);
  if (v.boolValue !== undefined) return v.boolValue === true;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.bytesValue !== undefined) return String(v.bytesValue);
  if (v.arrayValue !== undefined) {
    const values = arrayAt(objectAt(v.arrayValue, `${path}.arrayValue`)?.values, `${path}.arrayValue.values`);
    return values.map((item, i) => anyValue(item, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if (v.kvlistValue !== undefined) {
    const out: { [key: string]: NestedAttributeValue } = {};
    const values = arrayAt(
      objectAt(v.kvlistValue, `${path}.kvlistValue`)?.values,
      `${path}.kvlistValue.values`,
    );
    values.forEach((kv, i) => {
      const entry = objectAt(kv, `${path}.kvlistValue.values[${i}]`);
      if (entry !== undefined)
        out[String(entry.key ?? '')] = anyValue(
          entry.value,
          `${path}.kvlistValue.values[${i}].value`,
          depth + 1,
        );
    });
    return out;
  }
  return null;
}

function attributesAt(value: Json | undefined, path: string): SpanAttributes {
  const attributes = Object.create(null) as SpanAttributes;
  const list = arrayAt(value, path);
  for (let i = 0; i < list.length; i++) {
    const kv = objectAt(list[i], `${path}[${i}]`);
    if (kv === undefined) continue;
    const decoded = anyValue(kv.value, `${path}[${i}].value`, 0);
    if (decoded === null) continue;
    attributes[String(kv.key ?? '')] = typeof decoded === 'object' ? JSON.stringify(decoded) : decoded;
  }
  return attributes;
}

function hexId(value: Json | undefined): string {
  return typeof value === 'string' ? value.toLowerCase() : '';
}

/** Decodes an OTLP/JSON body; throws OtlpDecodeError when it is not JSON or not that message. */
export function decodeOtlpJson(body: Buffer): DecodedSpan[] {
  let root: Json;
  try {
    root = JSON.parse(body.toString('utf8')) as Json;
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${errorMessage(error)}`);
  }
  if (!isObject(root))
    throw new OtlpDecodeError('the body must be a JSON object (ExportTraceServiceRequest)');
  const spans: DecodedSpan[] = [];
  arrayAt(root.resourceSpans, 'resourceSpans').forEach((rs, r) => {
    const rsPath = `resourceSpans[${r}]`;
    const resourceSpans = objectAt(rs, rsPath);
    if (resourceSpans === undefined) return;
    const resource = attributesAt(
      objectAt(resourceSpans.resource, `${rsPath}.resource`)?.attributes,
      `${rsPath}.resource.attributes`,
    );
    arrayAt(resourceSpans.scopeSpans, `${rsPath}.scopeSpans`).forEach((ss, s) => {
      const ssPath = `${rsPath}.scopeSpans[${s}]`;
      const scopeSpans = objectAt(ss, ssPath);
      if (scopeSpans === undefined) return;
      const scopeName = objectAt(scopeSpans.scope, `${ssPath}.scope`)?.name;
      const scope = typeof scopeName === 'string' ? scopeName : '';
      arrayAt(scopeSpans.spans, `${ssPath}.spans`).forEach((sp, i) => {
        const path = `${ssPath}.spans[${i}]`;
        const span = objectAt(sp, path);
        if (span === undefined) throw new OtlpDecodeError(`${path} must be an object`);
        spans.push({
          traceId: hexId(span.traceId),
          spanId: hexId(span.spanId),
          name: typeof span.name === 'string' ? span.name : '',
          kind: enumValue(span.kind, SPAN_KIND_NAMES),
          startTimeMs: nanosToMs(span.startTimeUnixNano),
          endTimeMs: nanosToMs(span.endTimeUnixNano),
          attributes: attributesAt(span.attributes, `${path}.attributes`),
          statusCode: enumValue(objectAt(span.status, `${path}.status`)?.code, STATUS_CODE_NAMES),
          resource,
          scope,
        });
      });
    });
  });
  return spans;
}
