import { RECORD_HEADERS, type McpEvent } from '../model/index.js';
import type { ConsumedRecord, Decoded, OtlpTenancy } from '../platform/index.js';
import type { SecretMasker } from '../secrets/index.js';
import type { DecodedSpan } from './decoded-span.js';
import {
  DEFAULT_CONTENT_CAPS,
  DEFAULT_MAX_RECORD_BYTES,
  normaliseSpans,
  type NormaliseOptions,
} from './normalise-spans.js';
import { decodeOtlpProtobuf } from './otlp-protobuf-decode.js';
import { errorMessage } from '../model/index.js';

/**
 * A Kafka record whose value is an OTLP `ExportTraceServiceRequest` in protobuf (what the
 * OpenTelemetry Collector's kafka exporter writes with encoding `otlp_proto`), made into events by
 * the collector's own decoder and normalisation: ids checked, content capped, secrets masked. The
 * tenant comes from the operator's configuration (a resource attribute, else a default), since no
 * API key travels with such a record. Pure: no I/O.
 */

export interface OtlpRecordOptions {
  tenancy: OtlpTenancy;
  /** Masks secrets in every string of an event; null keeps them raw (the operator's opt-in). */
  mask: SecretMasker | null;
}

export interface OtlpRecordEvents {
  events: McpEvent[];
  spans: number;
  /** Spans that could not be made into events (bad ids, no tenant, not a valid event). */
  rejected: number;
  /** The first few rejection reasons (span ids, no content). */
  reasons: string[];
  /** Spans of other instrumentations, ignored. */
  notOurs: number;
}

const MAX_REASONS = 3;

function tenantOf(span: DecodedSpan, tenancy: OtlpTenancy, recordTenant: string | null): string | null {
  if (recordTenant !== null) return recordTenant;
  if (tenancy.resourceAttribute !== null) {
    const named = span.resource[tenancy.resourceAttribute];
    if (typeof named === 'string' && named !== '') return named;
  }
  return tenancy.defaultTenant;
}

/**
 * Throws OtlpDecodeError when the value is not an ExportTraceServiceRequest. `recordTenant` is the
 * record header's tenant when the tenancy trusts it (mcptap's collector wrote the record).
 */
export function eventsFromOtlpRecord(
  value: Buffer,
  options: OtlpRecordOptions,
  recordTenant: string | null = null,
): OtlpRecordEvents {
  const spans = decodeOtlpProtobuf(value);
  const out: OtlpRecordEvents = { events: [], spans: spans.length, rejected: 0, reasons: [], notOurs: 0 };
  const byTenant = new Map<string, DecodedSpan[]>();
  for (const span of spans) {
    const tenant = tenantOf(span, options.tenancy, recordTenant);
    if (tenant === null) {
      out.rejected++;
      if (out.reasons.length < MAX_REASONS)
        out.reasons.push(
          `span ${span.spanId.slice(0, 32) || '(no id)'}: its resource has no tenant attribute ` +
            `'${options.tenancy.resourceAttribute}' and no default tenant is configured`,
        );
      continue;
    }
    let group = byTenant.get(tenant);
    if (group === undefined) byTenant.set(tenant, (group = []));
    group.push(span);
  }
  const normaliseOptions: NormaliseOptions = {
    caps: DEFAULT_CONTENT_CAPS,
    maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
    forwardRawSpans: false,
    mask: options.mask,
  };
  for (const [tenant, group] of byTenant) {
    const normalised = normaliseSpans(group, tenant, normaliseOptions);
    for (const item of normalised.items) if (item.type === 'event') out.events.push(item.event);
    out.rejected += normalised.rejected;
    out.notOurs += normalised.notOurs;
    for (const reason of normalised.reasons) if (out.reasons.length < MAX_REASONS) out.reasons.push(reason);
  }
  return out;
}

function headerTenant(record: Pick<ConsumedRecord, 'headers'>): string | null {
  const header = record.headers?.[RECORD_HEADERS.tenant];
  const value = Array.isArray(header) ? header[0] : header;
  const tenant = value === undefined ? '' : value.toString();
  return tenant === '' ? null : tenant;
}

/**
 * The record's events for a consumer's batch handler, or why it has none worth keeping: a record
 * that does not decode, or none of whose spans is valid, is refused (dead-lettered); one with some
 * valid spans is accepted and its rejected spans are reported by the consumer.
 */
export function decodeOtlpRecord(
  record: Pick<ConsumedRecord, 'value' | 'headers'>,
  options: OtlpRecordOptions,
): Decoded<OtlpRecordEvents> {
  const { value } = record;
  if (value === null) return { ok: false, reason: 'empty message (tombstone)' };
  let decoded: OtlpRecordEvents;
  try {
    const recordTenant = options.tenancy.recordHeader ? headerTenant(record) : null;
    decoded = eventsFromOtlpRecord(value, options, recordTenant);
  } catch (error) {
    return { ok: false, reason: `not an OTLP ExportTraceServiceRequest: ${errorMessage(error)}` };
  }
  if (decoded.events.length === 0 && decoded.rejected > 0)
    return {
      ok: false,
      reason: `no valid span: ${decoded.rejected} of ${decoded.spans} spans rejected: ${decoded.reasons.join('; ')}`,
    };
  return { ok: true, value: decoded };
}

/**
 * What a consumer logs about an accepted record's rejected spans (where, how many, why), or
 * undefined when none was rejected.
 */
export function rejectedSpansReport(
  record: Pick<ConsumedRecord, 'topic' | 'partition' | 'offset'>,
  decoded: OtlpRecordEvents,
): Record<string, unknown> | undefined {
  if (decoded.rejected === 0) return undefined;
  const { spans, rejected, reasons } = decoded;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    spans,
    rejected,
    reasons,
  };
}
