// The collector's fast path: OTLP requests forwarded as OTLP records, keyed as their events would
// be, split at span boundaries, secrets masked by encoding the request again only when it holds one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyForEvent } from '../../../model/index.js';
import {
  decodeOtlpProtobuf,
  eventsFromOtlpRecord,
  ExportTraceServiceRequest,
  forwardOtlpRequest,
  normaliseSpans,
  DEFAULT_CONTENT_CAPS,
  DEFAULT_MAX_RECORD_BYTES,
  type ForwardOptions,
} from '../../../otlp/index.js';
import { maskSecretsInText } from '../../../secrets/index.js';
import { otlpProtobufBody } from '../../collector/otel-sdk.js';
import { sampleEvents } from '../../collector/sample-events.js';
import { sessionWithSecrets } from '../../collector/secret-events.js';

const TENANT = 'acme';
const options = (more: Partial<ForwardOptions> = {}): ForwardOptions => ({
  tenant: TENANT,
  maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
  mask: maskSecretsInText,
  ...more,
});
const consumer = {
  tenancy: { recordHeader: false, resourceAttribute: null, defaultTenant: TENANT },
  mask: maskSecretsInText,
};

/** What the collector's event path makes of the body: the events the consumers must get back. */
function collectorEvents(body: Buffer) {
  return normaliseSpans(decodeOtlpProtobuf(body), TENANT, {
    caps: DEFAULT_CONTENT_CAPS,
    maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
    forwardRawSpans: false,
    mask: maskSecretsInText,
  }).items.map((item) => (item.type === 'event' ? item.event : undefined));
}

describe('forwarding OTLP requests as OTLP records', () => {
  it('keys each span as its event is keyed, and the consumers read back the events of the event path', async () => {
    const events = [...sampleEvents(), ...sessionWithSecrets('s-2').events];
    const body = Buffer.from(await otlpProtobufBody(events));
    const forwarded = forwardOtlpRequest(body, options({ mask: null }));
    assert.equal(forwarded.rejected, 0);
    assert.equal(forwarded.masked, false);
    // The tenant is the authenticated one, whatever the spans say.
    const keys = new Set(events.map((event) => keyForEvent({ ...event, tenant: TENANT })));
    assert.deepEqual(new Set(forwarded.records.map((record) => record.key)), keys);
    const back = forwarded.records.flatMap((record) => {
      const decoded = eventsFromOtlpRecord(record.value, consumer);
      for (const event of decoded.events) assert.equal(keyForEvent(event), record.key);
      return decoded.events;
    });
    const byId = (a: { event_id: string }, b: { event_id: string }) => (a.event_id < b.event_id ? -1 : 1);
    assert.deepEqual(back.sort(byId), (collectorEvents(body) as typeof back).sort(byId));
  });

  it('masks a request that holds a secret, and only such a request', async () => {
    const session = sessionWithSecrets('s-3');
    const body = Buffer.from(await otlpProtobufBody(session.events));
    const forwarded = forwardOtlpRequest(body, options());
    assert.equal(forwarded.masked, true);
    for (const record of forwarded.records) {
      const text = record.value.toString('latin1');
      for (const fragment of session.fragments) assert.ok(!text.includes(fragment), 'a raw secret forwarded');
    }
    assert.match(forwarded.records.map((r) => r.value.toString('utf8')).join(), /\[SECRET:private_key:/);
    const clean = Buffer.from(await otlpProtobufBody(sampleEvents()));
    assert.equal(forwardOtlpRequest(clean, options()).masked, false);
  });

  it('splits a key whose spans pass the record limit at span boundaries, each record a whole request', async () => {
    const events = sampleEvents().map((event) => ({ ...event, session_id: 's-one' }));
    const body = Buffer.from(await otlpProtobufBody(events));
    const whole = forwardOtlpRequest(body, options({ mask: null }));
    const limit = 4096;
    const split = forwardOtlpRequest(body, options({ mask: null, maxRecordBytes: limit }));
    assert.ok(split.records.length > whole.records.length, `${split.records.length} records`);
    let spans = 0;
    for (const record of split.records) {
      assert.ok(record.value.length <= limit || record.spans === 1, `${record.value.length} bytes`);
      spans += decodeOtlpProtobuf(record.value).length;
    }
    assert.equal(
      spans,
      whole.records.reduce((sum, record) => sum + record.spans, 0),
    );
    const sessionEvents = split.records.flatMap(
      (record) => eventsFromOtlpRecord(record.value, consumer).events,
    );
    assert.deepEqual(
      sessionEvents.filter((event) => event.kind !== 'catalog').map((event) => event.event_id),
      events.filter((event) => event.kind !== 'catalog').map((event) => event.event_id),
      'one key keeps its order across records',
    );
  });

  it('reports spans with invalid ids and forwards the rest', async () => {
    const body = Buffer.from(await otlpProtobufBody(sampleEvents()));
    const request = ExportTraceServiceRequest.decode(body) as unknown as {
      resourceSpans: { scopeSpans: { spans: { traceId: Uint8Array }[] }[] }[];
    };
    request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId = new Uint8Array(16);
    const broken = Buffer.from(ExportTraceServiceRequest.encode(request).finish());
    const forwarded = forwardOtlpRequest(broken, options());
    assert.equal(forwarded.rejected, 1);
    assert.match(forwarded.reasons[0]!, /invalid trace id '0{32}'/);
    assert.equal(
      forwarded.records.reduce((sum, record) => sum + record.spans, 0),
      sampleEvents().length - 1,
    );
  });
});
