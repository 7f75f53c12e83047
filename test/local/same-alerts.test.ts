// One code path for detection: the transcripts of the corpus through `mcptap replay`'s function,
// through the embedded mode (startLocal: OTLP endpoint → in-process stream → engine → chdb) and
// through the full stack (collector → the real Kafka 4.1 → the detectors' Kafka runtime) give the
// same alerts. The two live legs receive the replay's events as spans from the shim's real OTLP
// exporter, so event ids, times and content are the same on all three.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectorConfigFromEnv, hashApiKey, startKafkaCollector } from '../../collector/index.js';
import { AlertNotifier, DetectorsRuntime, defaultRules, replayTranscript } from '../../detectors/index.js';
import { startLocal, type RunningLocal } from '../../local/index.js';
import type { Alert, McpEvent } from '../../model/index.js';
import { createKafka, silentLogger } from '../../platform/index.js';
import { SpanEmitter, startMcptap } from '../../shim/index.js';
import { REPO_ROOT } from '../shim/support.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';

const CORPUS = join(REPO_ROOT, 'test', 'corpus', 'transcripts');
const TENANT = 'local';
/** Alerts resolve on a timer against the wall clock; the corpus is dated in the past. */
const NO_TICK_MS = 3_600_000;

const transcripts = readdirSync(CORPUS)
  .filter((file) => file.endsWith('.jsonl'))
  .sort()
  .map((file) => readFileSync(join(CORPUS, file), 'utf8').trimEnd())
  .join('\n');
const replayed = replayTranscript(transcripts, { rules: defaultRules(), tenant: TENANT, hostId: 'corpus' });

/**
 * On Kafka, sessions on different partitions interleave in no fixed order, so state a tenant's
 * sessions share (the first outbound destination of a tenant) would depend on it: there each
 * transcript is a tenant of its own, replayed apart, which makes the expected alerts order-free.
 */
const perTenant = readdirSync(CORPUS)
  .filter((file) => file.endsWith('.jsonl'))
  .sort()
  .map((file, i) => {
    const tenant = `corpus_${i}`;
    const text = readFileSync(join(CORPUS, file), 'utf8').trimEnd();
    return {
      tenant,
      apiKey: `key-${tenant}`,
      ...replayTranscript(text, { rules: defaultRules(), tenant, hostId: 'corpus' }),
    };
  });
const perTenantAlerts = perTenant.flatMap((t) => t.alerts);

/** The events as spans through startMcptap's OTLP/HTTP protobuf exporter, in one export request. */
async function sendThroughShim(url: string, apiKey: string, events: readonly McpEvent[]): Promise<void> {
  const shim = startMcptap({
    endpoint: url,
    apiKey,
    registerGlobal: false,
    maxQueueSize: events.length + 1,
    maxExportBatchSize: events.length + 1,
    scheduledDelayMillis: 60_000,
  });
  new SpanEmitter({ tracer: shim.tracer, metrics: shim.metrics }).emit(events);
  await shim.shutdown();
  assert.equal(shim.metrics.spansDropped.get(), 0, 'the shim dropped no span');
}

const byFingerprint = (alerts: readonly Alert[]) =>
  [...alerts].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));

describe('the same alerts from replay, mcptap local and the Kafka runtime (corpus transcripts)', () => {
  before(() => {
    assert.deepEqual(replayed.errors, []);
    assert.ok(replayed.alerts.length >= 5, `the corpus raises alerts (${replayed.alerts.length})`);
    assert.deepEqual(
      perTenant.flatMap((t) => t.errors),
      [],
    );
    assert.ok(perTenantAlerts.length >= 5, `the corpus raises alerts per tenant (${perTenantAlerts.length})`);
  });

  it('mcptap local raises exactly the replay alerts, in the same order', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-same-alerts-'));
    const fired: Alert[] = [];
    let local: RunningLocal | undefined;
    try {
      local = await startLocal({
        dataDir,
        listen: '127.0.0.1:0',
        rules: defaultRules(),
        tickIntervalMs: NO_TICK_MS,
        onAlert: (alert) => fired.push(alert),
      });
      await sendThroughShim(local.url, local.apiKey, replayed.events);
      await local.idle();
      assert.deepEqual(fired, replayed.alerts);
      assert.equal(local.stats().events, replayed.events.length);
    } finally {
      await local?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('on Kafka', () => {
    const fired: Alert[] = [];
    const closers: Array<() => Promise<void>> = [];
    let url = '';

    before(async () => {
      const infra = await ensureInfra(['kafka']);
      const config = collectorConfigFromEnv({
        MCPTAP_KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        MCPTAP_TOPIC_PREFIX: uniqueName('same_alerts'),
        MCPTAP_COLLECTOR_LISTEN: '127.0.0.1:0',
        MCPTAP_COLLECTOR_API_KEYS: perTenant.map((t) => `${t.tenant}:${hashApiKey(t.apiKey)}`).join(','),
        MCPTAP_TOPIC_PARTITIONS: '3',
      });
      const collector = await startKafkaCollector(config, silentLogger);
      closers.push(() => collector.close());
      url = collector.url;
      const runtime = new DetectorsRuntime({
        kafka: createKafka(
          { brokers: infra.kafkaBrokers, clientId: 'same-alerts' },
          { logger: silentLogger },
        ),
        topics: config.kafka.topics,
        groupId: uniqueName('same_alerts'),
        rules: defaultRules(),
        notifier: new AlertNotifier({ alertmanagerUrl: '', resendIntervalMs: 60_000, logger: silentLogger }),
        logger: silentLogger,
        topicSettings: config.kafka.topicSettings,
        tickIntervalMs: NO_TICK_MS,
        onAlert: (alert) => fired.push(alert),
      });
      closers.push(() => runtime.stop());
      await runtime.start();
    });

    after(async () => {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    });

    it('the detectors on Kafka raise the same alerts as replay', async () => {
      for (const t of perTenant) await sendThroughShim(url, t.apiKey, t.events);
      await waitFor(() => fired.length >= perTenantAlerts.length, {
        timeoutMs: 60_000,
        description: `${perTenantAlerts.length} alerts from the Kafka runtime`,
      }).catch(() => undefined);
      assert.deepEqual(byFingerprint(fired), byFingerprint(perTenantAlerts));
    });
  });
});
