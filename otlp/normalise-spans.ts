import {
  capContent,
  decodeSpanAsEvent,
  EventValidationError,
  isMcptapSpan,
  type CappedContent,
  type McpEvent,
} from '../model/index.js';
import { maskRecord, type SecretMasker } from '../secrets/index.js';
import type { DecodedSpan } from './decoded-span.js';

/**
 * Turns a request's decoded spans into records: spans without valid trace and span ids are
 * rejected (reported to the sender, as every rejection is), mcptap spans become validated events (the tenant is
 * the authenticated one), content is re-capped to the collector's caps and every string masked
 * (secrets never leave the receiving process raw unless the operator opted in), spans of other
 * instrumentations are dropped or kept as raw spans, masked alike. Pure: no I/O.
 */

export interface ContentCaps {
  /** Default cap for a content field (arguments, results, text), in UTF-8 bytes. */
  contentBytes: number;
  /** Cap of a catalog's items. */
  catalogBytes: number;
  /** Cap of a prompt's messages. */
  promptBytes: number;
}

/** The collector's default caps, which the consumers of OTLP records apply too. */
export const DEFAULT_CONTENT_CAPS: ContentCaps = {
  contentBytes: 65_536,
  catalogBytes: 262_144,
  promptBytes: 524_288,
};

/** Largest record (one event as JSON) by default. */
export const DEFAULT_MAX_RECORD_BYTES = 786_432;

/**
 * One record: an event or a span that is not mcptap's, already serialised as JSON (`bytes` is the
 * UTF-8 size of `value`, counted against the record and request byte budgets).
 */
export type SpanRecord =
  | { type: 'event'; event: McpEvent; value: string; bytes: number }
  | { type: 'raw_span'; tenant: string; key: string; value: string; bytes: number };

export interface NormaliseOptions {
  caps: ContentCaps;
  /** Largest serialised record; a bigger event is rejected. */
  maxRecordBytes: number;
  /** Keep spans that are not mcptap's as raw-span records instead of dropping them. */
  forwardRawSpans: boolean;
  /** Masks secrets in every string of a record (after capping); null keeps them raw (the operator's opt-in). */
  mask: SecretMasker | null;
}

export type RejectReason = 'invalid_ids' | 'invalid_event' | 'record_too_large';

export interface NormalisedSpans {
  items: SpanRecord[];
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** The first few rejection reasons (no content, no values), for the partial-success message. */
  reasons: string[];
  notOurs: number;
}

const MAX_REASONS = 3;

/**
 * OTLP's trace.proto: a trace id is 16 bytes and a span id 8, and one that is all zeroes is
 * invalid (the decoders give them as lower-case hex; JSON ids as sent, lower-cased). A loop over
 * the characters: a regular expression with the all-zero lookahead cost 0.7 % of the service's CPU.
 */
function isValidId(id: string, hexDigits: number): boolean {
  if (id.length !== hexDigits) return false;
  let nonZero = false;
  for (let i = 0; i < hexDigits; i++) {
    const c = id.charCodeAt(i);
    if (c > 0x30 && c <= 0x39) nonZero = true;
    else if (c >= 0x61 && c <= 0x66) nonZero = true;
    else if (c !== 0x30) return false;
  }
  return nonZero;
}

function idProblem(span: DecodedSpan): string | undefined {
  if (!isValidId(span.traceId, 32))
    return `invalid trace id '${span.traceId.slice(0, 40)}': expected 16 bytes (32 hex digits), not all zero`;
  if (!isValidId(span.spanId, 16))
    return `invalid span id '${span.spanId.slice(0, 40)}': expected 8 bytes (16 hex digits), not all zero`;
  return undefined;
}

function isCappedContent(value: unknown): value is CappedContent {
  return (
    typeof value === 'object' &&
    value !== null &&
    'sha256' in value &&
    'truncated' in value &&
    'text' in value
  );
}

/**
 * Content over `cap` is cut again. The original size and digest are kept: they describe what the
 * host saw, whether or not the span was already truncated.
 */
function recap(content: CappedContent, cap: number): CappedContent {
  // A UTF-16 length times 3 bounds the UTF-8 size: most content is decided without measuring it.
  if (content.text.length * 3 <= cap || Buffer.byteLength(content.text, 'utf8') <= cap) return content;
  return {
    text: capContent(content.text, cap).text,
    truncated: true,
    bytes: content.bytes,
    sha256: content.sha256,
  };
}

function capFor(event: McpEvent, caps: ContentCaps): number {
  return event.kind === 'catalog'
    ? caps.catalogBytes
    : event.kind === 'prompt'
      ? caps.promptBytes
      : caps.contentBytes;
}

function recapEvent(event: McpEvent, caps: ContentCaps): McpEvent {
  const cap = capFor(event, caps);
  const record = event as unknown as Record<string, unknown>;
  for (const field in record) {
    const value = record[field];
    if (isCappedContent(value)) record[field] = recap(value, cap);
  }
  return event;
}

function rawSpanRecord(span: DecodedSpan, tenant: string) {
  return {
    tenant,
    trace_id: span.traceId,
    span_id: span.spanId,
    name: span.name,
    kind: span.kind,
    start_time_ms: span.startTimeMs,
    end_time_ms: span.endTimeMs,
    status_code: span.statusCode,
    scope: span.scope,
    resource: span.resource,
    attributes: span.attributes,
  };
}

export function normaliseSpans(
  spans: readonly DecodedSpan[],
  tenant: string,
  options: NormaliseOptions,
): NormalisedSpans {
  const out: NormalisedSpans = { items: [], rejected: 0, rejectedByReason: {}, reasons: [], notOurs: 0 };
  const reject = (reason: RejectReason, span: DecodedSpan, message: string) => {
    out.rejected++;
    out.rejectedByReason[reason] = (out.rejectedByReason[reason] ?? 0) + 1;
    if (out.reasons.length < MAX_REASONS)
      out.reasons.push(`span ${span.spanId.slice(0, 32) || '(no id)'}: ${message}`);
  };
  for (const span of spans) {
    const badIds = idProblem(span);
    if (badIds !== undefined) {
      reject('invalid_ids', span, badIds);
      continue;
    }
    if (!isMcptapSpan(span.attributes)) {
      out.notOurs++;
      if (!options.forwardRawSpans) continue;
      const record = rawSpanRecord(span, tenant);
      const value = JSON.stringify(options.mask === null ? record : maskRecord(record, options.mask));
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > options.maxRecordBytes) {
        reject(
          'record_too_large',
          span,
          `${bytes} bytes as a raw-span record, over the ${options.maxRecordBytes}-byte limit`,
        );
        continue;
      }
      out.items.push({ type: 'raw_span', tenant, key: `${tenant}/${span.traceId}`, value, bytes });
      continue;
    }
    let event: McpEvent;
    try {
      event = recapEvent(decodeSpanAsEvent(span, tenant), options.caps);
      // Masked after capping: a secret cut by the cap is masked as far as it goes.
      if (options.mask !== null) event = maskRecord(event, options.mask);
    } catch (error) {
      if (!(error instanceof EventValidationError)) throw error;
      reject('invalid_event', span, error.message);
      continue;
    }
    const value = JSON.stringify(event);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > options.maxRecordBytes) {
      reject(
        'record_too_large',
        span,
        `${bytes} bytes as an event record, over the ${options.maxRecordBytes}-byte limit`,
      );
      continue;
    }
    out.items.push({ type: 'event', event, value, bytes });
  }
  return out;
}
