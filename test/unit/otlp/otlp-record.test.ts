// A Kafka record holding an OTLP ExportTraceServiceRequest (the OpenTelemetry Collector's kafka
// exporter, encoding otlp_proto) becomes the events the collector would have produced: the tenant
// from a resource attribute or the configured default, secrets masked, invalid spans reported.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeOtlpRecord,
  eventsFromOtlpRecord,
  ExportTraceServiceRequest,
  rejectedSpansReport,
  type OtlpRecordOptions,
} from '../../../otlp/index.js';
import { maskSecretsInText } from '../../../secrets/index.js';
import { otlpProtobufBody } from '../../collector/otel-sdk.js';
import { sessionWithSecrets } from '../../collector/secret-events.js';

const { events, fragments } = sessionWithSecrets('s-otlp');
const ATTRIBUTE = 'mcptap.tenant';
const options = (tenancy: Partial<OtlpRecordOptions['tenancy']> = {}): OtlpRecordOptions => ({
  tenancy: { recordHeader: false, resourceAttribute: ATTRIBUTE, defaultTenant: 'fallback', ...tenancy },
  mask: maskSecretsInText,
});
const body = async (resource: Record<string, string> = {}) =>
  Buffer.from(await otlpProtobufBody(events, resource));

/** The body with its first span's id set to eight zero bytes (invalid in OTLP). */
function withZeroSpanId(value: Buffer): Buffer {
  const request = ExportTraceServiceRequest.decode(value) as unknown as {
    resourceSpans: { scopeSpans: { spans: { spanId: Uint8Array }[] }[] }[];
  };
  request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.spanId = new Uint8Array(8);
  return Buffer.from(ExportTraceServiceRequest.encode(request).finish());
}

describe('OTLP records (otlp_proto) to events', () => {
  it('takes the tenant from the resource attribute, else the default, and masks every secret', async () => {
    const named = eventsFromOtlpRecord(await body({ [ATTRIBUTE]: 'acme' }), options());
    assert.deepEqual(
      named.events.map((event) => event.event_id),
      events.map((event) => event.event_id),
    );
    assert.ok(named.events.every((event) => event.tenant === 'acme'));
    const unnamed = eventsFromOtlpRecord(await body(), options());
    assert.ok(unnamed.events.every((event) => event.tenant === 'fallback'));
    const text = JSON.stringify([...named.events, ...unnamed.events]);
    for (const fragment of fragments) assert.ok(!text.includes(fragment), 'a raw secret in an event');
    assert.match(text, /\[SECRET:private_key:[0-9a-f]{8}\]/);
  });

  it('rejects the spans of a resource without a tenant when there is no default, saying why', async () => {
    const decoded = decodeOtlpRecord({ value: await body() }, options({ defaultTenant: null }));
    assert.equal(decoded.ok, false);
    assert.match(
      !decoded.ok ? decoded.reason : '',
      /no valid span: 5 of 5 spans rejected: .*no tenant attribute 'mcptap.tenant'/,
    );
  });

  it('accepts the valid spans of a record and reports the invalid ones', async () => {
    const decoded = decodeOtlpRecord({ value: withZeroSpanId(await body()) }, options());
    assert.ok(decoded.ok);
    assert.equal(decoded.value.events.length, events.length - 1);
    assert.equal(decoded.value.rejected, 1);
    assert.match(decoded.value.reasons[0]!, /invalid span id '0{16}'/);
    const where = { topic: 'otlp_spans', partition: 2, offset: '41' };
    assert.deepEqual(rejectedSpansReport(where, decoded.value), {
      ...where,
      spans: events.length,
      rejected: 1,
      reasons: decoded.value.reasons,
    });
    const clean = decodeOtlpRecord({ value: await body() }, options());
    assert.ok(clean.ok);
    assert.equal(rejectedSpansReport(where, clean.value), undefined);
  });

  it("takes the tenant from the record's mcptap-tenant header when told to trust it, over the resource's", async () => {
    const value = await body({ [ATTRIBUTE]: 'claimed-by-payload' });
    const headers = { 'mcptap-tenant': Buffer.from('authenticated') };
    const trusted = decodeOtlpRecord({ value, headers }, options({ recordHeader: true }));
    assert.ok(trusted.ok && trusted.value.events.every((event) => event.tenant === 'authenticated'));
    const untrusted = decodeOtlpRecord({ value, headers }, options());
    assert.ok(untrusted.ok && untrusted.value.events.every((event) => event.tenant === 'claimed-by-payload'));
  });

  it('refuses a value that is not an ExportTraceServiceRequest, and a tombstone', () => {
    const garbage = decodeOtlpRecord({ value: Buffer.from('{"resourceSpans": []}') }, options());
    assert.match(
      !garbage.ok ? garbage.reason : '',
      /^not an OTLP ExportTraceServiceRequest: malformed protobuf/,
    );
    assert.deepEqual(decodeOtlpRecord({ value: null }, options()), {
      ok: false,
      reason: 'empty message (tombstone)',
    });
  });
});
