// The collector's fast path against the real Kafka of scripts/infra.sh: with
// MCPTAP_COLLECTOR_FORWARD_OTLP=true the real OpenTelemetry JS SDK's protobuf export is answered 200
// once Kafka acknowledged OTLP records keyed as the events would be, carrying the authenticated
// tenant in their header and no raw secret; the consumers' decoder reads back the session's events.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  collectorConfigFromEnv,
  hashApiKey,
  startKafkaCollector,
  type RunningCollector,
} from '../../collector/index.js';
import { keyForEvent, RECORD_HEADERS, topicNames } from '../../model/index.js';
import { decodeOtlpRecord } from '../../otlp/index.js';
import { ConfigError, silentLogger } from '../../platform/index.js';
import { maskSecretsInText } from '../../secrets/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { emitEvents } from './otel-sdk.js';
import { sessionWithSecrets } from './secret-events.js';
import { recordTopics, type TopicRecorder } from './topic-recorder.js';

const KEY = `key-${randomUUID()}`;

describe('collector with Kafka (scripts/infra.sh kafka): OTLP forwarded to the OTLP topic', () => {
  let collector: RunningCollector;
  let recorder: TopicRecorder;
  let env: Record<string, string>;
  const tenant = uniqueName('tenant');

  before(async () => {
    const { kafkaBrokers } = await ensureInfra(['kafka']);
    const prefix = uniqueName('collector_forward');
    env = {
      MCPTAP_KAFKA_BROKERS: kafkaBrokers.join(','),
      MCPTAP_TOPIC_PREFIX: prefix,
      MCPTAP_COLLECTOR_LISTEN: '127.0.0.1:0',
      MCPTAP_COLLECTOR_API_KEYS: `${tenant}:${hashApiKey(KEY)}`,
      MCPTAP_COLLECTOR_FORWARD_OTLP: 'true',
      MCPTAP_OTLP_TOPIC: `${prefix}.otlp.v1`,
      MCPTAP_OTLP_TENANT_HEADER: 'true',
    };
    collector = await startKafkaCollector(collectorConfigFromEnv(env), silentLogger);
    const topics = topicNames(prefix);
    recorder = await recordTopics(kafkaBrokers, [env.MCPTAP_OTLP_TOPIC!, topics.events, topics.catalog]);
  });
  after(async () => {
    await recorder?.stop();
    await collector?.close();
  });

  it('produces keyed OTLP records with the tenant header and no raw secret, which decode to the events', async () => {
    const session = sessionWithSecrets(uniqueName('session'));
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(
          new OtlpProtoExporter({ url: `${collector.url}/v1/traces`, headers: { 'x-mcptap-api-key': KEY } }),
        ),
      ],
    });
    emitEvents(provider.getTracer('mcptap-shim'), session.events);
    await provider.forceFlush();
    await provider.shutdown();
    // One span per export (SimpleSpanProcessor): one record per span.
    const messages = await waitFor(
      () => (recorder.messages.length >= session.events.length ? recorder.messages : undefined),
      { timeoutMs: 20_000, description: `${session.events.length} OTLP records` },
    );
    assert.ok(
      messages.every((message) => message.topic === env.MCPTAP_OTLP_TOPIC),
      'nothing on the event topics',
    );
    const tenancy = { recordHeader: true, resourceAttribute: null, defaultTenant: null };
    const events = messages.flatMap((message) => {
      assert.equal(message.headers[RECORD_HEADERS.tenant], tenant);
      const text = message.bytes.toString('latin1');
      for (const fragment of session.fragments) assert.ok(!text.includes(fragment), 'a raw secret on Kafka');
      const decoded = decodeOtlpRecord(
        {
          value: message.bytes,
          headers: { [RECORD_HEADERS.tenant]: message.headers[RECORD_HEADERS.tenant] },
        },
        { tenancy, mask: maskSecretsInText },
      );
      assert.ok(decoded.ok);
      for (const event of decoded.value.events) assert.equal(keyForEvent(event), message.key);
      return decoded.value.events;
    });
    assert.deepEqual(
      events.map((event) => event.event_id).sort(),
      session.events.map((e) => e.event_id).sort(),
    );
    assert.ok(events.every((event) => event.tenant === tenant));
  });

  it('refuses to start without an OTLP topic the consumers take the tenant of from the header', () => {
    assert.throws(
      () => collectorConfigFromEnv({ ...env, MCPTAP_OTLP_TENANT_HEADER: 'false', MCPTAP_OTLP_TENANT: 'x' }),
      (error) => error instanceof ConfigError && /MCPTAP_OTLP_TENANT_HEADER=true/.test(error.message),
    );
  });
});
