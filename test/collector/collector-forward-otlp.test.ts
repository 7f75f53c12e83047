// The collector's fast path against the real Kafka of scripts/infra.sh: with
// MCPTAP_COLLECTOR_FORWARD_OTLP=true the real OpenTelemetry JS SDK's protobuf export is answered 200
// once Kafka acknowledged OTLP records keyed as the events would be, carrying the authenticated
// tenant in their header and no raw secret; the consumers' decoder reads back the session's events,
// and the detectors (Alertmanager) and the sink (ClickHouse 18.16) reading the topic raise the
// session's alerts and store its events under that tenant.
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
import {
  AlertNotifier,
  createDetectorsMetrics,
  DetectorsRuntime,
  defaultRules,
} from '../../detectors/index.js';
import { keyForEvent, RECORD_HEADERS, topicNames, type Alert, type McpEvent } from '../../model/index.js';
import { decodeOtlpRecord } from '../../otlp/index.js';
import { ConfigError, createKafka, silentLogger } from '../../platform/index.js';
import { maskSecretsInText } from '../../secrets/index.js';
import { sessionTimeline, startSink, StoreWriter, type RunningSink } from '../../storage/index.js';
import { dropStore, migratedStore } from '../storage/sink-harness.js';
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

  /** Exports the events through the real SDK's protobuf exporter, one span per request. */
  async function export_(events: readonly McpEvent[]): Promise<void> {
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(
          new OtlpProtoExporter({ url: `${collector.url}/v1/traces`, headers: { 'x-mcptap-api-key': KEY } }),
        ),
      ],
    });
    emitEvents(provider.getTracer('mcptap-shim'), events);
    await provider.forceFlush();
    await provider.shutdown();
  }

  it('produces keyed OTLP records with the tenant header and no raw secret, which decode to the events', async () => {
    const session = sessionWithSecrets(uniqueName('session'));
    await export_(session.events);
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

  it('feeds the detectors and the sink, which take the tenant from the header', async () => {
    const infra = await ensureInfra(['clickhouse', 'alertmanager']);
    const session = sessionWithSecrets(uniqueName('session'));
    await export_(session.events);
    const prefix = env.MCPTAP_TOPIC_PREFIX!;
    const kafka = createKafka(
      { brokers: env.MCPTAP_KAFKA_BROKERS!.split(','), clientId: prefix },
      { logger: silentLogger },
    );
    const otlpInput = {
      topic: env.MCPTAP_OTLP_TOPIC!,
      tenancy: { recordHeader: true, resourceAttribute: null, defaultTenant: null },
    };
    const alerts: Alert[] = [];
    const metrics = createDetectorsMetrics();
    const detectors = new DetectorsRuntime({
      kafka,
      topics: topicNames(prefix),
      groupId: uniqueName('detectors-group'),
      rules: defaultRules(),
      notifier: new AlertNotifier({
        alertmanagerUrl: infra.alertmanagerUrl,
        resendIntervalMs: 60_000,
        logger: silentLogger,
        posts: metrics.alertmanagerPosts,
      }),
      metrics,
      logger: silentLogger,
      topicSettings: { partitions: 3, replicationFactor: 1, retentionMs: -1, maxMessageBytes: 1_048_576 },
      tickIntervalMs: 500,
      otlpInput,
      onAlert: (alert) => alerts.push(alert),
    });
    const store = await migratedStore('collector_forward');
    let sink: RunningSink | undefined;
    try {
      await detectors.start();
      sink = await startSink({
        kafka,
        topics: topicNames(prefix),
        writer: new StoreWriter(store, { mask: maskSecretsInText }),
        groupId: uniqueName('sink-group'),
        batchRows: 100,
        batchBytes: 1 << 20,
        batchWaitMs: 200,
        retryMaxMs: 1000,
        logger: silentLogger,
        otlpInput,
      });
      await waitFor(
        () => {
          const rules = new Set(alerts.filter((a) => a.tenant === tenant).map((a) => a.rule));
          return rules.has('exfil_chain') && rules.has('secret_egress') ? rules : null;
        },
        { timeoutMs: 30_000, description: `exfil_chain and secret_egress for ${tenant}` },
      );
      const sessionId = session.events.find((event) => event.kind !== 'catalog')!.session_id;
      const stored = await waitFor(
        async () => {
          const rows = (await sessionTimeline(store, { tenant, sessionId })).filter(
            (entry) => 'kind' in entry.record,
          );
          return rows.length >= session.events.length ? rows : null;
        },
        { timeoutMs: 30_000, description: `the session's events stored under ${tenant}` },
      );
      assert.deepEqual(
        stored.map((entry) => ('kind' in entry.record ? entry.record.event_id : '')).sort(),
        session.events.map((event) => event.event_id).sort(),
      );
    } finally {
      await detectors.stop();
      await sink?.stop();
      await dropStore(store);
    }
  });

  it('refuses to start without an OTLP topic the consumers take the tenant of from the header', () => {
    assert.throws(
      () => collectorConfigFromEnv({ ...env, MCPTAP_OTLP_TENANT_HEADER: 'false', MCPTAP_OTLP_TENANT: 'x' }),
      (error) => error instanceof ConfigError && /MCPTAP_OTLP_TENANT_HEADER=true/.test(error.message),
    );
  });
});
