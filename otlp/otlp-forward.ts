import protobuf from 'protobufjs';
import { ATTR } from '../model/index.js';
import { findSecrets, maskStrings, type SecretMasker } from '../secrets/index.js';
import { OtlpDecodeError } from './decoded-span.js';
import type { RejectReason } from './normalise-spans.js';
import {
  checkDepth,
  expectWire,
  lengthEnd,
  skip,
  WIRE_LEN,
  type Reader,
  type SliceDecoders,
} from './otlp-protobuf-decode.js';
import { ExportTraceServiceRequest } from './otlp-schema.js';
import { errorMessage } from '../model/index.js';

/**
 * The collector's fast path: an OTLP protobuf request made into Kafka records that are OTLP
 * requests themselves, without building events. The request's bytes are walked only as far as
 * forwarding needs: each span's ids are checked (an invalid span is reported, as normalise-spans.ts
 * reports it), its session and event kind are read for the record key (the key an event of that
 * span gets, so that a session stays one ordered stream), its strings are scanned for secrets, and
 * the mcptap spans are copied byte for byte into one request per key, their resource and scope
 * fields copied with them, split where a record would pass the size limit. Only a request in which
 * a secret was found is decoded and encoded again, with every string masked. The consumers decode
 * the records with otlp-record.ts. Pure: no I/O.
 */

export interface ForwardOptions {
  tenant: string;
  /** Largest record value; a key's spans beyond it go on in further records. */
  maxRecordBytes: number;
  /** Masks every string of a request holding a secret; null forwards it raw (the operator's opt-in). */
  mask: SecretMasker | null;
}

export interface ForwardRecord {
  key: string;
  /** An ExportTraceServiceRequest. */
  value: Buffer;
  spans: number;
}

export interface ForwardedRequest {
  records: ForwardRecord[];
  spans: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** The first few rejection reasons (span ids, no content). */
  reasons: string[];
  /** Spans of other instrumentations: not forwarded. */
  notOurs: number;
  /** Whether the request held a secret and was encoded again, masked. */
  masked: boolean;
}

const MAX_REASONS = 3;
/** Tag, length (up to 5 bytes) of a length-delimited field. */
const FIELD_OVERHEAD = 6;
const TAG_RESOURCE_SPANS = (1 << 3) | WIRE_LEN;
const TAG_SCOPE_SPANS = (2 << 3) | WIRE_LEN;
const TAG_SPANS = (2 << 3) | WIRE_LEN;

/** ScopeSpans or ResourceSpans fields other than their children, as views of the body. */
interface Header {
  fields: Buffer[];
  bytes: number;
}

interface WalkedSpan {
  start: number;
  end: number;
  scope: Header;
  resource: Header;
  traceId: Buffer;
  spanId: Buffer;
  sessionId: string | undefined;
  eventKind: string | undefined;
}

/** A walk of one request: its spans and the strings of its values (for the secret scan). */
interface Walk {
  body: Buffer;
  spans: WalkedSpan[];
  strings: string[];
}

function utf8(walk: Walk, reader: Reader, end: number): string {
  const stop = lengthEnd(reader, end);
  const text = (walk.body as unknown as SliceDecoders).utf8Slice(reader.pos, stop);
  reader.pos = stop;
  return text;
}

/** An AnyValue's strings into the walk; returns the value when it is a string. */
function walkAnyValue(walk: Walk, reader: Reader, end: number, depth: number): string | undefined {
  let text: string | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === 1 && wire === WIRE_LEN) {
      text = utf8(walk, reader, end);
      walk.strings.push(text);
    } else if ((field === 5 || field === 6) && wire === WIRE_LEN) {
      // ArrayValue.values (AnyValue) and KeyValueList.values (KeyValue) are both field 1.
      checkDepth(reader, depth + 1);
      const listEnd = lengthEnd(reader, end);
      while (reader.pos < listEnd) {
        const itemTag = reader.uint32();
        if (itemTag >>> 3 !== 1 || (itemTag & 7) !== WIRE_LEN) skip(reader, itemTag & 7, listEnd);
        else if (field === 5) walkAnyValue(walk, reader, lengthEnd(reader, listEnd), depth + 1);
        else walkKeyValue(walk, reader, lengthEnd(reader, listEnd), depth + 1);
      }
    } else skip(reader, wire, end);
  }
  return text;
}

/** A KeyValue's strings into the walk; returns its key and string value. */
function walkKeyValue(
  walk: Walk,
  reader: Reader,
  end: number,
  depth: number,
): { key: string; value: string | undefined } {
  let key = '';
  let value: string | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === 1 && wire === WIRE_LEN) key = utf8(walk, reader, end);
    else if (field === 2 && wire === WIRE_LEN)
      value = walkAnyValue(walk, reader, lengthEnd(reader, end), depth);
    else skip(reader, wire, end);
  }
  return { key, value };
}

/**
 * The strings of a message whose length-delimited fields are strings at `stringFields` and
 * KeyValues at `keyValueFields` (Resource, InstrumentationScope, Span.Event, Span.Link, Status).
 */
function walkMessage(
  walk: Walk,
  reader: Reader,
  end: number,
  stringFields: readonly number[],
  keyValueFields: readonly number[],
): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    const field = tag >>> 3;
    if (wire === WIRE_LEN && stringFields.includes(field)) walk.strings.push(utf8(walk, reader, end));
    else if (wire === WIRE_LEN && keyValueFields.includes(field))
      walkKeyValue(walk, reader, lengthEnd(reader, end), 0);
    else skip(reader, wire, end);
  }
}

const NO_FIELDS: readonly number[] = [];
const FIELD_1: readonly number[] = [1];

function walkSpan(walk: Walk, reader: Reader, end: number, scope: Header, resource: Header): void {
  const span: WalkedSpan = {
    start: reader.pos,
    end,
    scope,
    resource,
    traceId: EMPTY,
    spanId: EMPTY,
    sessionId: undefined,
    eventKind: undefined,
  };
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
      case 2: {
        expectWire(reader, wire, WIRE_LEN, 'Span id');
        const idEnd = lengthEnd(reader, end);
        const id = walk.body.subarray(reader.pos, idEnd);
        if (tag >>> 3 === 1) span.traceId = id;
        else span.spanId = id;
        reader.pos = idEnd;
        break;
      }
      case 3: // trace_state
      case 5: // name
        expectWire(reader, wire, WIRE_LEN, 'Span string');
        walk.strings.push(utf8(walk, reader, end));
        break;
      case 9: {
        expectWire(reader, wire, WIRE_LEN, 'Span.attributes');
        const { key, value } = walkKeyValue(walk, reader, lengthEnd(reader, end), 0);
        if (key === ATTR.sessionId) span.sessionId = value;
        else if (key === ATTR.eventKind) span.eventKind = value;
        break;
      }
      case 11: // events: name 2, attributes 3
        expectWire(reader, wire, WIRE_LEN, 'Span.events');
        walkMessage(walk, reader, lengthEnd(reader, end), [2], [3]);
        break;
      case 13: // links: trace_state 3, attributes 4
        expectWire(reader, wire, WIRE_LEN, 'Span.links');
        walkMessage(walk, reader, lengthEnd(reader, end), [3], [4]);
        break;
      case 15: // status: message 2
        expectWire(reader, wire, WIRE_LEN, 'Span.status');
        walkMessage(walk, reader, lengthEnd(reader, end), [2], NO_FIELDS);
        break;
      default:
        skip(reader, wire, end);
    }
  }
  walk.spans.push(span);
}

const EMPTY = Buffer.alloc(0);

function header(): Header {
  return { fields: [], bytes: 0 };
}

function keep(into: Header, walk: Walk, start: number, end: number): void {
  into.fields.push(walk.body.subarray(start, end));
  into.bytes += end - start;
}

function walkScopeSpans(walk: Walk, reader: Reader, end: number, resource: Header): void {
  const scope = header();
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.uint32();
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === 2 && wire === WIRE_LEN) {
      walkSpan(walk, reader, lengthEnd(reader, end), scope, resource);
      continue;
    }
    // scope (name 1, version 2, attributes 3), schema_url
    if (field === 1 && wire === WIRE_LEN) walkMessage(walk, reader, lengthEnd(reader, end), [1, 2], [3]);
    else skip(reader, wire, end);
    keep(scope, walk, fieldStart, reader.pos);
  }
}

function walkResourceSpans(walk: Walk, reader: Reader, end: number): void {
  const resource = header();
  while (reader.pos < end) {
    const fieldStart = reader.pos;
    const tag = reader.uint32();
    const wire = tag & 7;
    const field = tag >>> 3;
    if (field === 2 && wire === WIRE_LEN) {
      walkScopeSpans(walk, reader, lengthEnd(reader, end), resource);
      continue;
    }
    // resource (attributes 1), schema_url
    if (field === 1 && wire === WIRE_LEN)
      walkMessage(walk, reader, lengthEnd(reader, end), NO_FIELDS, FIELD_1);
    else skip(reader, wire, end);
    keep(resource, walk, fieldStart, reader.pos);
  }
}

function walkRequest(body: Buffer): Walk {
  const walk: Walk = { body, spans: [], strings: [] };
  const reader = protobuf.Reader.create(body);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === 1) {
        expectWire(reader, tag & 7, WIRE_LEN, 'ExportTraceServiceRequest.resource_spans');
        walkResourceSpans(walk, reader, lengthEnd(reader, reader.len));
      } else skip(reader, tag & 7, reader.len);
    }
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    throw new OtlpDecodeError(`malformed protobuf at byte ${reader.pos}: ${errorMessage(error)}`);
  }
  return walk;
}

/** OTLP trace.proto: ids of 16 and 8 bytes, not all zero. */
function validId(id: Buffer, bytes: number): boolean {
  if (id.length !== bytes) return false;
  for (let i = 0; i < bytes; i++) if (id[i] !== 0) return true;
  return false;
}

function idProblem(span: WalkedSpan): string | undefined {
  if (!validId(span.traceId, 16))
    return `invalid trace id '${span.traceId.toString('hex').slice(0, 40)}': expected 16 bytes (32 hex digits), not all zero`;
  if (!validId(span.spanId, 8))
    return `invalid span id '${span.spanId.toString('hex').slice(0, 40)}': expected 8 bytes (16 hex digits), not all zero`;
  return undefined;
}

/**
 * Short values (ids, names, hosts: most of a span's) share one scan, joined by a character no
 * secret or encoded run contains, since each scan has a fixed cost of several times a short value's;
 * longer values (content) are scanned one by one, so that one value's escapes or encodings do not
 * send the whole span through the scanner's decoding layers.
 */
const SHORT_VALUE = 64;
const SEPARATOR = '\u0000';

function holdsSecret(strings: readonly string[]): boolean {
  let short = '';
  for (const text of strings) {
    if (text.length < SHORT_VALUE) short += text + SEPARATOR;
    else if (findSecrets(text).length > 0) return true;
  }
  return short !== '' && findSecrets(short).length > 0;
}

function masked(body: Buffer, mask: SecretMasker): Buffer {
  const request = maskStrings(
    ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body)),
    mask,
  );
  return Buffer.from(
    ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish(),
  );
}

function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value >>>= 7;
    bytes++;
  }
  return bytes;
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[pos++] = value;
  return pos;
}

interface ScopeGroup {
  scope: Header;
  spans: WalkedSpan[];
  bytes: number;
}

interface ResourceGroup {
  resource: Header;
  scopes: ScopeGroup[];
  bytes: number;
}

/** One request of `spans` (in order), grouped under copies of their scope's and resource's fields. */
function encodeRecord(body: Buffer, spans: readonly WalkedSpan[]): Buffer {
  // Sizes bottom up, then one buffer written top down.
  const resources: ResourceGroup[] = [];
  for (const span of spans) {
    let resource = resources[resources.length - 1];
    if (resource?.resource !== span.resource)
      resources.push((resource = { resource: span.resource, scopes: [], bytes: span.resource.bytes }));
    let scope = resource.scopes[resource.scopes.length - 1];
    if (scope?.scope !== span.scope)
      resource.scopes.push((scope = { scope: span.scope, spans: [], bytes: span.scope.bytes }));
    scope.spans.push(span);
    const length = span.end - span.start;
    scope.bytes += 1 + varintBytes(length) + length;
  }
  let total = 0;
  for (const resource of resources) {
    for (const scope of resource.scopes) resource.bytes += 1 + varintBytes(scope.bytes) + scope.bytes;
    total += 1 + varintBytes(resource.bytes) + resource.bytes;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  const copy = (from: Buffer, start = 0, end = from.length) => (pos += from.copy(out, pos, start, end));
  for (const resource of resources) {
    out[pos++] = TAG_RESOURCE_SPANS;
    pos = writeVarint(out, pos, resource.bytes);
    for (const field of resource.resource.fields) copy(field);
    for (const scope of resource.scopes) {
      out[pos++] = TAG_SCOPE_SPANS;
      pos = writeVarint(out, pos, scope.bytes);
      for (const field of scope.scope.fields) copy(field);
      for (const span of scope.spans) {
        out[pos++] = TAG_SPANS;
        pos = writeVarint(out, pos, span.end - span.start);
        copy(body, span.start, span.end);
      }
    }
  }
  return out;
}

/** Spans of one key that go into one record, with a bound of its size. */
interface Chunk {
  spans: WalkedSpan[];
  bytes: number;
  scope: Header | undefined;
  resource: Header | undefined;
}

/** What `span` adds to `chunk`: itself, and its scope's and resource's fields when they change. */
function addedBytes(chunk: Chunk | undefined, span: WalkedSpan): number {
  let bytes = span.end - span.start + FIELD_OVERHEAD;
  if (chunk?.scope !== span.scope) bytes += span.scope.bytes + FIELD_OVERHEAD;
  if (chunk?.resource !== span.resource) bytes += span.resource.bytes + FIELD_OVERHEAD;
  return bytes;
}

/** Throws OtlpDecodeError when the body is not an ExportTraceServiceRequest. */
export function forwardOtlpRequest(body: Buffer, options: ForwardOptions): ForwardedRequest {
  let walk = walkRequest(body);
  const secret = options.mask !== null && holdsSecret(walk.strings);
  if (secret) walk = walkRequest(masked(body, options.mask!));
  walk.strings.length = 0;
  const out: ForwardedRequest = {
    records: [],
    spans: walk.spans.length,
    rejected: 0,
    rejectedByReason: {},
    reasons: [],
    notOurs: 0,
    masked: secret,
  };
  const reject = (reason: RejectReason, span: WalkedSpan, message: string) => {
    out.rejected++;
    out.rejectedByReason[reason] = (out.rejectedByReason[reason] ?? 0) + 1;
    if (out.reasons.length < MAX_REASONS)
      out.reasons.push(`span ${span.spanId.toString('hex').slice(0, 32) || '(no id)'}: ${message}`);
  };
  const byKey = new Map<string, Chunk[]>();
  const { tenant, maxRecordBytes } = options;
  for (const span of walk.spans) {
    const badIds = idProblem(span);
    if (badIds !== undefined) {
      reject('invalid_ids', span, badIds);
      continue;
    }
    if (span.eventKind === undefined) {
      out.notOurs++;
      continue;
    }
    // keyForEvent's key: catalogs by tenant, everything else by session.
    const key = span.eventKind === 'catalog' ? tenant : `${tenant}/${span.sessionId ?? ''}`;
    if (addedBytes(undefined, span) > maxRecordBytes) {
      reject(
        'record_too_large',
        span,
        `${span.end - span.start} bytes with its resource and scope, over the ${maxRecordBytes}-byte record limit`,
      );
      continue;
    }
    let chunks = byKey.get(key);
    if (chunks === undefined) byKey.set(key, (chunks = []));
    let chunk = chunks[chunks.length - 1];
    if (chunk === undefined || chunk.bytes + addedBytes(chunk, span) > maxRecordBytes)
      chunks.push((chunk = { spans: [], bytes: 0, scope: undefined, resource: undefined }));
    chunk.bytes += addedBytes(chunk, span);
    chunk.spans.push(span);
    chunk.scope = span.scope;
    chunk.resource = span.resource;
  }
  for (const [key, chunks] of byKey)
    for (const chunk of chunks)
      out.records.push({ key, value: encodeRecord(walk.body, chunk.spans), spans: chunk.spans.length });
  return out;
}
