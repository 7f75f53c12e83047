// The detectors runtime against the real local Kafka and Alertmanager (scripts/infra.sh): events in,
// alerts on the alerts topic and at the webhook recorder; a restart mid-stream loses no detection and
// sends no second notification for the same fingerprint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import {
  eventTimeMs,
  isoTime,
  keyForEvent,
  parseAlert,
  topicForEvent,
  topicNames,
  type Alert,
  type McpEvent,
  type TopicNames,
} from '../../model/index.js';
import { createKafka, silentLogger } from '../../platform/index.js';
import {
  AlertNotifier,
  createDetectorsMetrics,
  DetectorsRuntime,
  defaultRules,
  replayTranscript,
} from '../../detectors/index.js';
import {
  ensureInfra,
  fetchNotifications,
  uniqueName,
  waitFor,
  type InfraEndpoints,
} from '../support/infra.js';

const CORPUS = join(import.meta.dirname, '..', 'corpus', 'transcripts');

let infra: InfraEndpoints;
let kafka: Kafka;
const started: DetectorsRuntime[] = [];
const consumers: Consumer[] = [];

before(async () => {
  infra = await ensureInfra(['kafka', 'alertmanager', 'webhook']);
  kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'detectors-test' }, { logger: silentLogger });
});

after(async () => {
  for (const runtime of started) await runtime.stop().catch(() => undefined);
  for (const consumer of consumers) await consumer.disconnect().catch(() => undefined);
});

/** Events of a corpus transcript for `tenant`, moved to the present so that nothing times out. */
function eventsOf(file: string, tenant: string): McpEvent[] {
  const { events } = replayTranscript(readFileSync(join(CORPUS, file), 'utf8'), {
    rules: defaultRules(),
    tenant,
    hostId: 'host-1',
  });
  const first = events.length > 0 ? eventTimeMs(events[0] as McpEvent) : 0;
  const now = Date.now();
  return events.map((event) => ({ ...event, time: isoTime(now + eventTimeMs(event) - first) }));
}

async function produce(topics: TopicNames, events: readonly McpEvent[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const event of events) {
      await producer.send({
        topic: topicForEvent(topics, event),
        acks: -1,
        messages: [{ key: keyForEvent(event), value: JSON.stringify(event) }],
      });
    }
  } finally {
    await producer.disconnect();
  }
}

async function startRuntime(
  topics: TopicNames,
  groupId: string,
  metrics = createDetectorsMetrics(),
): Promise<DetectorsRuntime> {
  const runtime = new DetectorsRuntime({
    kafka,
    topics,
    groupId,
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
  });
  started.push(runtime);
  await runtime.start();
  return runtime;
}

/** Everything on the alerts topic, read by a consumer of its own. */
async function alertsTopicReader(topics: TopicNames): Promise<Alert[]> {
  const seen: Alert[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('alerts_reader') });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic: topics.alerts, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value !== null) seen.push(parseAlert(JSON.parse(message.value.toString())));
    },
  });
  return seen;
}

interface AmAlert {
  status: string;
  labels: Record<string, string>;
}

async function notifiedAlerts(tenant: string, since: number): Promise<AmAlert[]> {
  const notifications = await fetchNotifications(since);
  return notifications.flatMap((n) => {
    const body = n.body as { alerts?: AmAlert[] } | null;
    // The recorder is shared: other tests post bodies of their own shape.
    return (body?.alerts ?? []).filter((a) => (a as Partial<AmAlert>).labels?.tenant === tenant);
  });
}

test('events on Kafka become alerts on the alerts topic and notifications at the Alertmanager webhook', async () => {
  const since = Date.now();
  const topics = topicNames(uniqueName('det'));
  const tenant = uniqueName('tenant');
  const runtime = await startRuntime(topics, uniqueName('group'));
  const onTopic = await alertsTopicReader(topics);
  const events = eventsOf('seed-metadata-ssrf.jsonl', tenant);
  await produce(topics, events);

  const ssrf = await waitFor(
    () =>
      onTopic.find(
        (a) => a.rule === 'ssrf_target' && a.tenant === tenant && a.details.category === 'metadata',
      ),
    {
      timeoutMs: 60_000,
      description: 'ssrf_target on the alerts topic',
    },
  );
  assert.equal(ssrf.severity, 'critical');
  assert.equal(ssrf.server_name, 'fetch');

  const notified = await waitFor(
    async () => (await notifiedAlerts(tenant, since)).find((a) => a.labels.fingerprint === ssrf.fingerprint),
    { timeoutMs: 60_000, description: 'the ssrf_target notification at the webhook recorder' },
  );
  assert.equal(notified.labels.alertname, 'ssrf_target');
  assert.equal(notified.labels.severity, 'critical');
  assert.equal(notified.labels.server, 'fetch');
  assert.equal(notified.labels.tool, 'fetch');
  assert.equal(notified.labels.session, ssrf.session_id);

  const { metrics } = runtime;
  await waitFor(() => metrics.recordsProcessed.total() === events.length, {
    timeoutMs: 30_000,
    description: `${events.length} records counted as processed`,
  });
  assert.ok(metrics.alertsRaised.get({ rule: 'ssrf_target', status: 'firing' }) >= 1);
  await waitFor(() => metrics.alertsRaised.total() === onTopic.filter((a) => a.tenant === tenant).length, {
    timeoutMs: 30_000,
    description: 'as many alerts counted as raised as there are on the alerts topic',
  });
  assert.ok(metrics.alertmanagerPosts.get({ outcome: 'ok' }) >= 1);
  assert.equal(metrics.alertmanagerPosts.get({ outcome: 'failed' }), 0);
  assert.ok(metrics.writes.get({ outcome: 'ok' }) >= 1);
  assert.equal(runtime.writesFailing(), false);
  const lag = metrics.registry.render().match(/^mcptap_detectors_consumer_lag\{.*\} (\d+)$/gm) ?? [];
  assert.ok(lag.length >= 1, 'a lag per partition consumed');
  assert.ok(
    lag.every((line) => line.endsWith(' 0')),
    lag.join('\n'),
  );
});

test('a detector restart mid-stream loses no detection and notifies each fingerprint once', async () => {
  const since = Date.now();
  const topics = topicNames(uniqueName('det'));
  const tenant = uniqueName('tenant');
  const groupId = uniqueName('group');
  const events = eventsOf('seed-poisoned-organize-files.jsonl', tenant);
  // Split after the ~/.ssh read: the exfil chain needs state from before the restart.
  const readAt = events.findIndex((e) => e.kind === 'tool_call' && e.tool === 'read_file');
  assert.ok(readAt > 0);
  const firstHalf = events.slice(0, readAt + 1);
  const secondHalf = events.slice(readAt + 1);
  const first = await startRuntime(topics, groupId);
  const onTopic = await alertsTopicReader(topics);
  await produce(topics, firstHalf);
  await waitFor(() => onTopic.some((a) => a.rule === 'catalog_lint.pseudo_tag' && a.tenant === tenant), {
    timeoutMs: 60_000,
    description: 'catalog lint alert before the restart',
  });
  await first.stop();

  // The whole stream again plus the rest: redelivered events must not raise anything twice.
  await produce(topics, [...firstHalf, ...secondHalf]);
  await startRuntime(topics, groupId);
  await waitFor(() => onTopic.some((a) => a.rule === 'exfil_chain' && a.tenant === tenant), {
    timeoutMs: 60_000,
    description: 'exfil_chain after the restart',
  });
  await waitFor(() => onTopic.some((a) => a.rule === 'secret_egress' && a.tenant === tenant), {
    timeoutMs: 60_000,
    description: 'secret_egress after the restart',
  });

  const mine = onTopic.filter((a) => a.tenant === tenant && a.status === 'firing');
  const fingerprints = mine.map((a) => a.fingerprint);
  assert.equal(
    new Set(fingerprints).size,
    fingerprints.length,
    `duplicate alerts: ${mine.map((a) => a.rule).join(', ')}`,
  );

  // Every firing alert reaches the webhook once, and only once.
  await waitFor(
    async () =>
      new Set((await notifiedAlerts(tenant, since)).map((a) => a.labels.fingerprint)).size >= mine.length,
    {
      timeoutMs: 60_000,
      description: 'every alert notified',
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const firing = (await notifiedAlerts(tenant, since)).filter((a) => a.status === 'firing');
  const counts = new Map<string, number>();
  for (const a of firing)
    counts.set(a.labels.fingerprint ?? '', (counts.get(a.labels.fingerprint ?? '') ?? 0) + 1);
  assert.deepEqual(
    [...counts.values()].filter((n) => n > 1),
    [],
    'a fingerprint was notified more than once',
  );
});
