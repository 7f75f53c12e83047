// OTLP trace.proto: a trace id is 16 bytes, a span id 8, neither all zeroes. A span without valid
// ids is rejected with the reason, never dropped silently.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodedSpan } from '../../../otlp/decoded-span.js';
import { normaliseSpans } from '../../../otlp/normalise-spans.js';

const span = (traceId: string, spanId: string): DecodedSpan => ({
  traceId,
  spanId,
  name: 'GET /things',
  kind: 3,
  startTimeMs: 1_700_000_000_000,
  endTimeMs: 1_700_000_000_010,
  attributes: { 'http.status_code': 200 },
  statusCode: 0,
  resource: {},
  scope: 'http',
});

const normalise = (spans: DecodedSpan[]) =>
  normaliseSpans(spans, 'tenant-1', {
    caps: { contentBytes: 65536, catalogBytes: 262144, promptBytes: 524288 },
    maxRecordBytes: 786432,
    forwardRawSpans: true,
    mask: null,
  });

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('span ids', () => {
  it('accepts 16-byte trace ids and 8-byte span ids with any non-zero digit', () => {
    const out = normalise([span(TRACE, SPAN), span(`${'0'.repeat(31)}1`, `f${'0'.repeat(15)}`)]);
    assert.equal(out.rejected, 0);
    assert.equal(out.items.length, 2);
  });

  it('rejects trace ids of the wrong length, not hex or all zero, saying why', () => {
    for (const traceId of ['', TRACE.slice(0, 16), `${TRACE}00`, `${TRACE.slice(0, 31)}g`, '0'.repeat(32)]) {
      const out = normalise([span(traceId, SPAN)]);
      assert.equal(out.rejected, 1, `trace id '${traceId}'`);
      assert.equal(out.rejectedByReason.invalid_ids, 1);
      assert.match(out.reasons[0]!, /invalid trace id .*16 bytes/);
    }
  });

  it('rejects span ids of the wrong length, not hex or all zero', () => {
    for (const spanId of ['', SPAN.slice(0, 8), `${SPAN.slice(0, 15)}z`, '0'.repeat(16)]) {
      const out = normalise([span(TRACE, spanId)]);
      assert.equal(out.rejected, 1, `span id '${spanId}'`);
      assert.match(out.reasons[0]!, /invalid span id .*8 bytes/);
    }
  });
});
