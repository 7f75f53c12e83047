// The detectors and the sink on an OTLP protobuf topic, as the OpenTelemetry Collector's kafka
// exporter writes it (encoding otlp_proto: one ExportTraceServiceRequest per record), against the
// real Kafka 4.1, ClickHouse 18.16 and Alertmanager of scripts/infra.sh. The records' spans are the
// real OpenTelemetry JS SDK's; their tenants come from a resource attribute or the default.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../model/index.js';
import { silentLogger, type OtlpTopicSettings } from '../../platform/index.js';
import {
  AlertNotifier,
  createDetectorsMetrics,
  DetectorsRuntime,
  defaultRules,
} from '../../detectors/index.js';
import { maskSecretsInText } from '../../secrets/index.js';
import {
  DEAD_LETTER_HEADERS,
  sessionTimeline,
  startSink,
  StoreWriter,
  type RunningSink,
  type Store,
} from '../../storage/index.js';
import { otlpProtobufBody } from '../collector/otel-sdk.js';
import { sessionWithSecrets } from '../collector/secret-events.js';
import {
  dropStore,
  kafkaFixture,
  migratedStore,
  produce,
  readDeadLetters,
  type KafkaFixture,
} from '../storage/sink-harness.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';

const TENANT_ATTRIBUTE = 'mcptap.tenant';

describe('detectors and sink on an otlp_proto topic (Kafka 4.1, ClickHouse 18.16, Alertmanager)', () => {
  let fixture: KafkaFixture;
  let store: Store;
  let sink: RunningSink;
  let detectors: DetectorsRuntime;
  let otlpInput: OtlpTopicSettings;
  const alerts: Alert[] = [];
  const namedTenant = uniqueName('tenant_named');
  const defaultTenant = uniqueName('tenant_default');

  before(async () => {
    const infra = await ensureInfra(['kafka', 'clickhouse', 'alertmanager']);
    fixture = await kafkaFixture('otlp_input');
    otlpInput = {
      topic: `${fixture.prefix}.otlp-spans`,
      tenancy: { recordHeader: false, resourceAttribute: TENANT_ATTRIBUTE, defaultTenant },
    };
    const metrics = createDetectorsMetrics();
    detectors = new DetectorsRuntime({
      kafka: fixture.kafka,
      topics: fixture.topics,
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
    await detectors.start();
    store = await migratedStore('otlp_input');
    sink = await startSink({
      kafka: fixture.kafka,
      topics: fixture.topics,
      writer: new StoreWriter(store, { mask: maskSecretsInText }),
      groupId: uniqueName('sink-group'),
      batchRows: 100,
      batchBytes: 1 << 20,
      batchWaitMs: 200,
      retryMaxMs: 1000,
      logger: silentLogger,
      otlpInput,
    });
  });
  after(async () => {
    await detectors?.stop();
    await sink?.stop();
    await dropStore(store);
  });

  it('raises the alerts and stores the events of both tenants, secrets masked, and dead-letters what is not OTLP', async () => {
    const named = sessionWithSecrets(uniqueName('s_named'));
    const unnamed = sessionWithSecrets(uniqueName('s_default'));
    const sessionOf = (events: typeof named.events) => events.find((e) => e.kind !== 'catalog')!.session_id;
    await produce(
      fixture.kafka,
      new Map([
        [
          otlpInput.topic,
          [
            {
              key: null,
              value: Buffer.from(await otlpProtobufBody(named.events, { [TENANT_ATTRIBUTE]: namedTenant })),
            },
            { key: null, value: Buffer.from(await otlpProtobufBody(unnamed.events)) },
            { key: null, value: Buffer.from('{"resourceSpans": "not protobuf"}') },
          ],
        ],
      ]),
    );

    for (const [session, tenant] of [
      [named, namedTenant],
      [unnamed, defaultTenant],
    ] as const) {
      const sessionId = sessionOf(session.events);
      const timeline = await waitFor(
        async () => {
          // The session's timeline holds its alerts too (the sink stores the alerts topic).
          const rows = (await sessionTimeline(store, { tenant, sessionId })).filter(
            (entry) => 'kind' in entry.record,
          );
          return rows.length >= session.events.length ? rows : null;
        },
        { timeoutMs: 30_000, description: `the session's events stored under ${tenant}` },
      );
      assert.deepEqual(
        timeline.map((entry) => ('kind' in entry.record ? entry.record.event_id : '')).sort(),
        session.events.map((event) => event.event_id).sort(),
      );
      const stored = JSON.stringify(timeline.map((entry) => entry.record));
      for (const fragment of session.fragments) assert.ok(!stored.includes(fragment), 'a raw secret stored');
      assert.match(stored, /\[SECRET:private_key:[0-9a-f]{8}\]/);

      const fired = await waitFor(
        () => {
          const rules = new Set(alerts.filter((a) => a.tenant === tenant).map((a) => a.rule));
          return rules.has('exfil_chain') && rules.has('secret_egress') ? rules : null;
        },
        { timeoutMs: 30_000, description: `exfil_chain and secret_egress for ${tenant}` },
      );
      assert.ok(fired.size >= 2);
    }
    const alertText = JSON.stringify(alerts);
    for (const fragment of [...named.fragments, ...unnamed.fragments])
      assert.ok(!alertText.includes(fragment), 'a raw secret in an alert');

    const letters = await readDeadLetters(fixture, 2);
    const reasons = letters.map((letter) => letter.headers[DEAD_LETTER_HEADERS.reason] ?? '');
    assert.equal(reasons.length, 2, 'the sink and the detectors each dead-letter the record once');
    for (const reason of reasons) assert.match(reason, /^not an OTLP ExportTraceServiceRequest: /);
  });
});
