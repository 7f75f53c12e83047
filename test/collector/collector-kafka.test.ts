// The collector against the real Kafka of scripts/infra.sh, fed by the real OpenTelemetry JS SDK
// and exporters (protobuf and JSON), and by hand-made bad requests.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  capContent,
  encodeEventAsSpan,
  keyForEvent,
  parseEvent,
  RECORD_HEADERS,
  topicForEvent,
  topicNames,
  type McpEvent,
} from '../../model/index.js';
import {
  collectorConfigFromEnv,
  hashApiKey,
  startKafkaCollector,
  type RunningCollector,
} from '../../collector/index.js';
import type protobuf from 'protobufjs';
import { ExportTraceServiceRequest, ExportTraceServiceResponse, RpcStatus } from '../../otlp/otlp-schema.js';
import { silentLogger } from '../../platform/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { emitEvents, otlpJsonBody, otlpProtobufBody } from './otel-sdk.js';
import { sampleEvents } from './sample-events.js';
import { recordTopics, type TopicRecorder } from './topic-recorder.js';

const KEY_A = `key-a-${randomUUID()}`;
const KEY_B = `key-b-${randomUUID()}`;

describe('collector with Kafka (scripts/infra.sh kafka) and the OpenTelemetry JS exporters', () => {
  let collector: RunningCollector;
  let recorder: TopicRecorder;
  let tenantA: string;
  let tenantB: string;
  let topics: ReturnType<typeof topicNames>;
  let tracesUrl: string;

  before(async () => {
    const { kafkaBrokers } = await ensureInfra(['kafka']);
    const prefix = uniqueName('collector');
    topics = topicNames(prefix);
    tenantA = uniqueName('tenant_a');
    tenantB = uniqueName('tenant_b');
    const config = collectorConfigFromEnv({
      MCPTAP_KAFKA_BROKERS: kafkaBrokers.join(','),
      MCPTAP_TOPIC_PREFIX: prefix,
      MCPTAP_COLLECTOR_LISTEN: '127.0.0.1:0',
      MCPTAP_COLLECTOR_API_KEYS: `${tenantA}:${hashApiKey(KEY_A)},${tenantB}:${hashApiKey(KEY_B)}`,
      MCPTAP_TOPIC_PARTITIONS: '3',
      MCPTAP_COLLECTOR_FORWARD_RAW_SPANS: 'true',
      MCPTAP_COLLECTOR_CONTENT_CAP_BYTES: '2048',
    });
    collector = await startKafkaCollector(config, silentLogger);
    tracesUrl = `${collector.url}/v1/traces`;
    recorder = await recordTopics(kafkaBrokers, [
      topics.events,
      topics.catalog,
      topics.prompts,
      topics.rawSpans,
    ]);
  });

  after(async () => {
    await recorder?.stop();
    await collector?.close();
  });

  const eventsOfSession = (sessionId: string) =>
    recorder.messages
      .filter((m) => m.topic !== topics.rawSpans)
      .map((m) => ({ message: m, event: parseEvent(JSON.parse(m.value)) }))
      .filter((r) => r.event.session_id === sessionId);

  async function expectDelivered(events: McpEvent[], tenant: string): Promise<void> {
    const sessionId = events[0]!.session_id;
    const received = await waitFor(
      () => {
        const found = eventsOfSession(sessionId);
        return found.length >= events.length ? found : undefined;
      },
      { timeoutMs: 20_000, description: `${events.length} events of session ${sessionId}` },
    );
    assert.equal(received.length, events.length, 'each event exactly once');
    for (const original of events) {
      const expected = { ...original, tenant };
      const got = received.find((r) => r.event.event_id === original.event_id);
      assert.ok(got, `event ${original.kind} arrived`);
      assert.deepEqual(got.event, expected);
      assert.equal(got.message.topic, topicForEvent(topics, expected));
      assert.equal(got.message.key, keyForEvent(expected));
      assert.equal(got.message.headers[RECORD_HEADERS.kind], original.kind);
      assert.equal(got.message.headers[RECORD_HEADERS.tenant], tenant);
      assert.equal(got.message.headers[RECORD_HEADERS.schemaVersion], '1');
    }
  }

  it('delivers every event kind sent by the protobuf exporter (BatchSpanProcessor) to its topic and key, tenant from the key', async () => {
    const events = sampleEvents({ tenant: tenantB });
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new BatchSpanProcessor(
          new OtlpProtoExporter({ url: tracesUrl, headers: { 'x-mcptap-api-key': KEY_A } }),
        ),
      ],
    });
    emitEvents(provider.getTracer('mcptap-shim'), events);
    await provider.forceFlush();
    await provider.shutdown();
    await expectDelivered(events, tenantA);
  });

  it('delivers every event kind sent by the JSON exporter (SimpleSpanProcessor, gzip, bearer token)', async () => {
    const events = sampleEvents({ tenant: tenantA });
    const exporter = new OtlpJsonExporter({
      url: tracesUrl,
      headers: { authorization: `Bearer ${KEY_B}` },
      compression: 'gzip' as NonNullable<ConstructorParameters<typeof OtlpJsonExporter>[0]>['compression'],
    });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    emitEvents(provider.getTracer('mcptap-shim'), events);
    await provider.forceFlush();
    await provider.shutdown();
    await expectDelivered(events, tenantB);
  });

  it('re-caps oversized content and keeps the original size and digest', async () => {
    const [toolCall] = sampleEvents();
    assert.equal(toolCall?.kind, 'tool_call');
    const big = 'y'.repeat(10_000);
    const event = { ...toolCall, result: capContent(big, 1_000_000) } as McpEvent;
    const res = await post(await otlpProtobufBody([event]), {
      'content-type': 'application/x-protobuf',
      'x-mcptap-api-key': KEY_A,
    });
    assert.equal(res.status, 200);
    const [got] = await waitFor(
      () => {
        const found = eventsOfSession(event.session_id);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 20_000 },
    );
    assert.ok(got?.event.kind === 'tool_call');
    assert.deepEqual(got.event.result, {
      text: 'y'.repeat(2048),
      truncated: true,
      bytes: 10_000,
      sha256: capContent(big, 0).sha256,
    });
  });

  it('forwards spans of other instrumentations to the raw-spans topic, keyed by tenant and trace', async () => {
    const spanName = `GET /other-${randomUUID()}`;
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(
          new OtlpProtoExporter({ url: tracesUrl, headers: { 'x-mcptap-api-key': KEY_A } }),
        ),
      ],
    });
    provider
      .getTracer('http')
      .startSpan(spanName, { attributes: { 'http.method': 'GET' } })
      .end();
    await provider.shutdown();
    const raw = await waitFor(
      () => recorder.messages.find((m) => m.topic === topics.rawSpans && m.value.includes(spanName)),
      { timeoutMs: 20_000 },
    );
    const value = JSON.parse(raw.value) as {
      tenant: string;
      trace_id: string;
      attributes: Record<string, unknown>;
    };
    assert.equal(value.tenant, tenantA);
    assert.equal(raw.key, `${tenantA}/${value.trace_id}`);
    assert.equal(value.attributes['http.method'], 'GET');
    assert.equal(raw.headers[RECORD_HEADERS.kind], 'raw_span');
  });

  async function post(body: Uint8Array | string, headers: Record<string, string>): Promise<Response> {
    return fetch(tracesUrl, {
      method: 'POST',
      body: typeof body === 'string' ? body : Buffer.from(body),
      headers,
    });
  }

  describe('bad input', () => {
    const proto = { 'content-type': 'application/x-protobuf' };
    const json = { 'content-type': 'application/json' };

    /** An OTLP/JSON body of codec spans, each with `traceId` unless it has its own. */
    const otlpJson = (
      spans: Array<ReturnType<typeof encodeEventAsSpan> & { traceId?: string }>,
      traceId = '0af7651916cd43dd8448eb211c80319c',
    ) =>
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: spans.map((s) => ({
                  traceId: s.traceId ?? traceId,
                  spanId: 'b7ad6b7169203331',
                  name: s.name,
                  kind: 3,
                  startTimeUnixNano: `${s.startTimeMs}000000`,
                  endTimeUnixNano: s.endTimeMs * 1e6,
                  attributes: Object.entries(s.attributes).map(([key, v]) => ({
                    key,
                    value:
                      typeof v === 'string'
                        ? { stringValue: v }
                        : typeof v === 'boolean'
                          ? { boolValue: v }
                          : { intValue: String(v) },
                  })),
                })),
              },
            ],
          },
        ],
      });

    it('answers 400 with a google.rpc.Status for a truncated protobuf body, and produces nothing of it', async () => {
      const events = sampleEvents();
      const body = await otlpProtobufBody(events);
      const res = await post(body.subarray(0, Math.floor(body.length / 2)), {
        ...proto,
        'x-mcptap-api-key': KEY_A,
      });
      assert.equal(res.status, 400);
      const status = RpcStatus.toObject(RpcStatus.decode(Buffer.from(await res.arrayBuffer()))) as {
        code: number;
        message: string;
      };
      assert.equal(status.code, 3);
      assert.match(status.message, /malformed protobuf/);
      await assertNothingFrom(events[0]!.session_id);
    });

    it('answers 415 for an unsupported content type', async () => {
      const res = await post('hello', { 'content-type': 'text/plain', 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 415);
      assert.match(((await res.json()) as { message: string }).message, /unsupported content type/);
    });

    it('answers 413 to a gzip bomb without inflating it', async () => {
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
      assert.ok(bomb.length < 1024 * 1024, 'the bomb is small on the wire');
      const res = await post(bomb, { ...proto, 'content-encoding': 'gzip', 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 413);
      const status = RpcStatus.toObject(RpcStatus.decode(Buffer.from(await res.arrayBuffer()))) as {
        message: string;
      };
      assert.match(status.message, /inflated body exceeds/);
    });

    it('answers 413 to a 10 MB body', async () => {
      const res = await post(Buffer.alloc(10 * 1024 * 1024, 1), { ...proto, 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 413);
    });

    it('answers 400 to invalid JSON, with a JSON google.rpc.Status', async () => {
      const res = await post('{"resourceSpans": [', { ...json, 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { code: number; message: string };
      assert.equal(body.code, 3);
      assert.match(body.message, /invalid JSON/);
    });

    it('answers 401 to an unknown or missing API key and produces nothing', async () => {
      const events = sampleEvents();
      const body = await otlpProtobufBody(events);
      assert.equal((await post(body, { ...proto, 'x-mcptap-api-key': 'not-a-key' })).status, 401);
      assert.equal((await post(body, { ...proto })).status, 401);
      assert.equal((await post(body, { ...proto, authorization: 'Bearer also-not-a-key' })).status, 401);
      await assertNothingFrom(events[0]!.session_id);
    });

    it('rejects spans with missing or absurd fields in partialSuccess and delivers the valid ones', async () => {
      const events = sampleEvents();
      const valid = events.slice(0, 3);
      const spans = valid.map(encodeEventAsSpan);
      const bad = (patch: Record<string, string | number | boolean | undefined>) => {
        const span = encodeEventAsSpan(events[0]!);
        for (const [k, v] of Object.entries(patch)) {
          if (v === undefined) delete span.attributes[k];
          else span.attributes[k] = v;
        }
        return span;
      };
      const badSpans = [
        bad({ 'mcptap.event.id': undefined }),
        bad({ 'mcptap.event.kind': 'teleport' }),
        bad({ 'mcptap.response.bytes': -5 }),
        bad({ 'mcptap.content.result.sha256': 'not-a-digest' }),
        { ...bad({}), startTimeMs: 0 },
      ];
      const body = otlpJson([...spans, ...badSpans]);
      const res = await post(body, { ...json, 'x-mcptap-api-key': KEY_B });
      assert.equal(res.status, 200);
      const answer = (await res.json()) as {
        partialSuccess: { rejectedSpans: string; errorMessage: string };
      };
      assert.equal(answer.partialSuccess.rejectedSpans, '5');
      assert.match(answer.partialSuccess.errorMessage, /5 of 8 spans rejected/);
      await expectDelivered(valid, tenantB);
    });

    it('stays up and keeps delivering after all of the above', async () => {
      assert.equal((await fetch(`${collector.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${collector.url}/readyz`)).status, 200);
      const events = sampleEvents();
      const res = await post(await otlpJsonBody(events), { ...json, 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      await expectDelivered(events, tenantA);
      // Every event on the topics belongs to one of the two tenants, under its own tenant's key.
      for (const m of recorder.messages) {
        const tenant = m.headers[RECORD_HEADERS.tenant];
        assert.ok(tenant === tenantA || tenant === tenantB, `record of an unknown tenant on ${m.topic}`);
        // Session streams are keyed tenant/session, catalogs by the tenant alone (model/topics.ts).
        assert.ok(
          m.key === tenant || m.key.startsWith(`${tenant}/`),
          `key ${m.key} not under tenant ${tenant}`,
        );
      }
      const metrics = await (await fetch(`${collector.url}/metrics`)).text();
      assert.match(metrics, /mcptap_collector_requests_total\{status="401"\} 3/);
      assert.match(metrics, /mcptap_collector_spans_rejected_total\{reason="invalid_event"\} 5/);
    });

    it('answers a protobuf ExportTraceServiceResponse on success', async () => {
      const res = await post(await otlpProtobufBody(sampleEvents()), { ...proto, 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
      const decoded = ExportTraceServiceResponse.toObject(
        ExportTraceServiceResponse.decode(Buffer.from(await res.arrayBuffer())),
      );
      assert.deepEqual(decoded, {});
    });

    it('answers 400 with the reason to a JSON body whose only span has an invalid trace id, and produces nothing', async () => {
      const events = sampleEvents().slice(0, 1);
      for (const traceId of ['not-hex-at-all', '0af7651916cd43dd', '00000000000000000000000000000000', '']) {
        const res = await post(otlpJson(events.map(encodeEventAsSpan), traceId), {
          ...json,
          'x-mcptap-api-key': KEY_A,
        });
        assert.equal(res.status, 400, `trace id '${traceId}'`);
        const body = (await res.json()) as { code: number; message: string };
        assert.equal(body.code, 3);
        assert.match(body.message, /1 of 1 spans rejected: .*invalid trace id/);
      }
      await assertNothingFrom(events[0]!.session_id);
    });

    it('reports a span with an invalid trace id in partialSuccess and delivers the others of its batch', async () => {
      const events = sampleEvents().slice(0, 3);
      const spans = events.map(encodeEventAsSpan);
      const body = otlpJson([...spans.slice(0, 2), { ...spans[2]!, traceId: 'zz' }]);
      const res = await post(body, { ...json, 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 200);
      const answer = (await res.json()) as {
        partialSuccess: { rejectedSpans: string; errorMessage: string };
      };
      assert.equal(answer.partialSuccess.rejectedSpans, '1');
      assert.match(answer.partialSuccess.errorMessage, /1 of 3 spans rejected: .*invalid trace id 'zz'/);
      await expectDelivered(events.slice(0, 2), tenantA);
      assert.ok(
        !eventsOfSession(events[2]!.session_id).some((r) => r.event.event_id === events[2]!.event_id),
      );
    });

    it('answers 400 to a protobuf body whose spans have 8-byte trace ids', async () => {
      const events = sampleEvents();
      const request = ExportTraceServiceRequest.decode(await otlpProtobufBody(events)) as unknown as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: Uint8Array }> }> }>;
      };
      for (const rs of request.resourceSpans)
        for (const ss of rs.scopeSpans) for (const span of ss.spans) span.traceId = Buffer.alloc(8, 7);
      const body = ExportTraceServiceRequest.encode(request as unknown as protobuf.Message).finish();
      const res = await post(body, { ...proto, 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 400);
      const status = RpcStatus.toObject(RpcStatus.decode(Buffer.from(await res.arrayBuffer()))) as {
        code: number;
        message: string;
      };
      assert.equal(status.code, 3);
      assert.match(
        status.message,
        new RegExp(
          `${events.length} of ${events.length} spans rejected: .*invalid trace id '0707070707070707'`,
        ),
      );
      await assertNothingFrom(events[0]!.session_id);
    });

    async function assertNothingFrom(sessionId: string): Promise<void> {
      // A later request's events arriving proves the earlier (refused) one had its chance to show up.
      const marker = sampleEvents();
      const res = await post(await otlpProtobufBody(marker), { ...proto, 'x-mcptap-api-key': KEY_A });
      assert.equal(res.status, 200);
      await expectDelivered(marker, tenantA);
      assert.equal(eventsOfSession(sessionId).length, 0);
    }
  });
});
