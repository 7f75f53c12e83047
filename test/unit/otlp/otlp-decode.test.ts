import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSpanAsEvent, type McpEvent } from '../../../model/index.js';
import { OtlpDecodeError } from '../../../otlp/decoded-span.js';
import { decodeOtlpJson, nanosToMs } from '../../../otlp/otlp-json-decode.js';
import { decodeOtlpProtobuf } from '../../../otlp/otlp-protobuf-decode.js';
import { ExportTraceServiceRequest } from '../../../otlp/otlp-schema.js';
import { otlpJsonBody, otlpProtobufBody } from '../../collector/otel-sdk.js';
import { sampleEvents } from '../../collector/sample-events.js';

const withTenant = (events: McpEvent[], tenant: string) => events.map((e) => ({ ...e, tenant }));

describe('OTLP protobuf decoding', () => {
  it('decodes every event kind from the real exporter serializer back to the original events', async () => {
    const events = sampleEvents();
    const spans = decodeOtlpProtobuf(Buffer.from(await otlpProtobufBody(events)));
    assert.equal(spans.length, events.length);
    assert.deepEqual(
      spans.map((s) => decodeSpanAsEvent(s, 'acme')),
      withTenant(events, 'acme'),
    );
  });

  it('agrees with the protobufjs decoder generated from the official .proto files', async () => {
    const body = Buffer.from(await otlpProtobufBody(sampleEvents()));
    const fast = decodeOtlpProtobuf(body);
    const reference = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
      longs: String,
      bytes: String,
    }) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: Record<string, unknown> }[] };
        scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[];
      }[];
    };
    const refSpans = reference.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, scope: ss.scope.name }))),
    );
    assert.equal(fast.length, refSpans.length);
    fast.forEach((decoded, i) => {
      const { span, scope } = refSpans[i]!;
      assert.equal(decoded.traceId, Buffer.from(span.traceId as string, 'base64').toString('hex'));
      assert.equal(decoded.spanId, Buffer.from(span.spanId as string, 'base64').toString('hex'));
      assert.equal(decoded.name, span.name);
      assert.equal(decoded.kind, span.kind);
      assert.equal(decoded.startTimeMs, Number(BigInt(span.startTimeUnixNano as string) / 1_000_000n));
      assert.equal(decoded.scope, scope);
      const attrs = span.attributes as { key: string; value: Record<string, unknown> }[];
      assert.equal(Object.keys(decoded.attributes).length, attrs.length);
      for (const { key, value } of attrs) {
        const expected =
          value.stringValue ??
          value.boolValue ??
          (value.intValue !== undefined ? Number(value.intValue) : value.doubleValue);
        assert.equal(decoded.attributes[key], expected, key);
      }
    });
  });

  it('keeps whole milliseconds exact for 19-digit nanosecond timestamps', async () => {
    const [event] = sampleEvents({ timeMs: Date.UTC(2262, 0, 1, 0, 0, 0, 999) });
    const [span] = decodeOtlpProtobuf(Buffer.from(await otlpProtobufBody([event!])));
    assert.equal(span?.startTimeMs, Date.UTC(2262, 0, 1, 0, 0, 0, 999));
  });

  it('refuses a truncated body, a field length past the end, and a wrong wire type', async () => {
    const body = Buffer.from(await otlpProtobufBody(sampleEvents()));
    assert.throws(() => decodeOtlpProtobuf(body.subarray(0, body.length - 7)), OtlpDecodeError);
    assert.throws(() => decodeOtlpProtobuf(Buffer.from([0x0a, 0x05, 0x01])), OtlpDecodeError);
    // Field 1 (resource_spans) as a varint instead of a message.
    assert.throws(() => decodeOtlpProtobuf(Buffer.from([0x08, 0x01])), /wire type 0, expected 2/);
  });

  it('decodes every attribute key right when more distinct keys arrive than it remembers', () => {
    // Keys of equal length that differ in one byte, far more than the decoder's key table holds.
    const keys = Array.from({ length: 6000 }, (_, i) => `k.${String(i).padStart(5, '0')}`);
    const perSpan = 200;
    const body = (): Buffer =>
      Buffer.from(
        ExportTraceServiceRequest.encode(
          ExportTraceServiceRequest.fromObject({
            resourceSpans: [
              {
                scopeSpans: [
                  {
                    spans: Array.from({ length: keys.length / perSpan }, (_, s) => ({
                      name: 'x',
                      attributes: keys
                        .slice(s * perSpan, (s + 1) * perSpan)
                        .map((key) => ({ key, value: { stringValue: key } })),
                    })),
                  },
                ],
              },
            ],
          }),
        ).finish(),
      );
    for (let pass = 0; pass < 2; pass++) {
      const first = body();
      const spans = decodeOtlpProtobuf(first);
      // The body's memory is reused once a request is answered: what was decoded must not change.
      first.fill(0x61);
      spans.forEach((span, s) => {
        const expected = keys.slice(s * perSpan, (s + 1) * perSpan);
        assert.deepEqual(Object.keys(span.attributes), expected);
        assert.deepEqual(Object.values(span.attributes), expected);
      });
      assert.deepEqual(
        decodeOtlpProtobuf(body()).map((span) => Object.keys(span.attributes)),
        spans.map((span) => Object.keys(span.attributes)),
      );
    }
  });

  it('decodes an empty request to no spans', () => {
    assert.deepEqual(decodeOtlpProtobuf(Buffer.alloc(0)), []);
  });
});

describe('OTLP JSON decoding', () => {
  it('decodes every event kind from the real JSON serializer back to the original events', async () => {
    const events = sampleEvents();
    const spans = decodeOtlpJson(Buffer.from(await otlpJsonBody(events)));
    assert.deepEqual(
      spans.map((s) => decodeSpanAsEvent(s, 'acme')),
      withTenant(events, 'acme'),
    );
  });

  it('accepts 64-bit integers as strings or numbers, enum names or numbers, upper-case hex ids', () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'host' } }] },
          scopeSpans: [
            {
              scope: { name: 'shim' },
              spans: [
                {
                  traceId: '0AF7651916CD43DD8448EB211C80319C',
                  spanId: 'B7AD6B7169203331',
                  name: 'x',
                  kind: 'SPAN_KIND_CLIENT',
                  startTimeUnixNano: '1795514400120000000',
                  endTimeUnixNano: 1795514400180000000,
                  status: { code: 2 },
                  attributes: [
                    { key: 'a', value: { intValue: '42' } },
                    { key: 'b', value: { intValue: 7 } },
                    { key: 'c', value: { doubleValue: 1.5 } },
                    { key: 'd', value: { boolValue: true } },
                    {
                      key: 'e',
                      value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '1' }] } },
                    },
                    {
                      key: 'f',
                      value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
                    },
                    { key: 'g', value: {} },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const [span] = decodeOtlpJson(Buffer.from(JSON.stringify(body)));
    assert.ok(span);
    assert.equal(span.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(span.kind, 3);
    assert.equal(span.statusCode, 2);
    assert.equal(span.startTimeMs, 1795514400120);
    assert.equal(span.scope, 'shim');
    assert.deepEqual(span.resource, Object.assign(Object.create(null), { 'service.name': 'host' }));
    assert.deepEqual({ ...span.attributes }, { a: 42, b: 7, c: 1.5, d: true, e: '["x",1]', f: '{"k":"v"}' });
  });

  it('refuses a body that is not JSON or not an ExportTraceServiceRequest', () => {
    assert.throws(() => decodeOtlpJson(Buffer.from('{')), /invalid JSON/);
    assert.throws(() => decodeOtlpJson(Buffer.from('[]')), /must be a JSON object/);
    assert.throws(
      () => decodeOtlpJson(Buffer.from('{"resourceSpans":{}}')),
      /resourceSpans must be an array/,
    );
    assert.throws(
      () => decodeOtlpJson(Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[1]}]}]}')),
      /spans\[0\] must be an object/,
    );
  });

  it('turns an unparseable timestamp into NaN, for the span to be rejected on its own', () => {
    assert.ok(Number.isNaN(nanosToMs('12abc')));
    assert.ok(Number.isNaN(nanosToMs(undefined)));
    assert.equal(nanosToMs('999999'), 0.999999);
  });
});
