// `mcptap detectors` (the real service, as a child process) against the real local Kafka,
// Alertmanager and webhook recorder (scripts/infra.sh): events that carry a user become alerts whose
// Alertmanager labels name the user and team, and OCSF Detection Findings on the
// `<prefix>.alerts.ocsf.v1` topic and at MCPTAP_OCSF_WEBHOOK_URL, valid against the vendored class.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Consumer, Kafka } from 'kafkajs';
import {
  eventTimeMs,
  isoTime,
  keyForEvent,
  topicForEvent,
  topicNames,
  type McpEvent,
  type TopicNames,
} from '../../model/index.js';
import { createKafka, silentLogger } from '../../platform/index.js';
import {
  defaultRules,
  OCSF_SCHEMA_VERSION,
  replayTranscript,
  type OcsfDetectionFinding,
} from '../../detectors/index.js';
import {
  ensureInfra,
  fetchNotifications,
  uniqueName,
  waitFor,
  type InfraEndpoints,
} from '../support/infra.js';
import { detectionFindingProblems } from '../support/ocsf-schema.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CORPUS = join(ROOT, 'test', 'corpus', 'transcripts');

let infra: InfraEndpoints;
let kafka: Kafka;
let service: ChildProcess | undefined;
const consumers: Consumer[] = [];

before(async () => {
  infra = await ensureInfra(['kafka', 'alertmanager', 'webhook']);
  kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'ocsf-test' }, { logger: silentLogger });
});

after(async () => {
  service?.kill('SIGTERM');
  for (const consumer of consumers) await consumer.disconnect().catch(() => undefined);
});

function eventsFor(file: string, tenant: string, user: { user_id: string; team: string }): McpEvent[] {
  const { events } = replayTranscript(readFileSync(join(CORPUS, file), 'utf8'), {
    rules: defaultRules(),
    tenant,
    hostId: 'host-1',
  });
  const first = events.length > 0 ? eventTimeMs(events[0]!) : 0;
  const now = Date.now();
  return events.map((event) => ({
    ...event,
    ...user,
    user_source: 'proxy_flag' as const,
    time: isoTime(now + eventTimeMs(event) - first),
  }));
}

async function produce(topics: TopicNames, events: readonly McpEvent[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({
      topic: topics.events,
      acks: -1,
      messages: events
        .filter((event) => topicForEvent(topics, event) === topics.events)
        .map((event) => ({ key: keyForEvent(event), value: JSON.stringify(event) })),
    });
  } finally {
    await producer.disconnect();
  }
}

async function topicReader(topic: string): Promise<OcsfDetectionFinding[]> {
  const seen: OcsfDetectionFinding[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('ocsf_reader') });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value !== null) seen.push(JSON.parse(message.value.toString()) as OcsfDetectionFinding);
    },
  });
  return seen;
}

test('alerts carry the user to Alertmanager, and go as valid OCSF findings to the topic and the webhook', async () => {
  const since = Date.now();
  const prefix = uniqueName('ocsf');
  const topics = topicNames(prefix);
  const tenant = uniqueName('tenant');
  const webhookPath = `/${uniqueName('ocsf-webhook')}`;
  service = spawn(process.execPath, [join(ROOT, 'bin', 'mcptap.js'), 'detectors'], {
    cwd: ROOT,
    env: {
      ...process.env,
      MCPTAP_KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      MCPTAP_TOPIC_PREFIX: prefix,
      MCPTAP_TOPIC_PARTITIONS: '1',
      MCPTAP_DETECTORS_GROUP: uniqueName('group'),
      MCPTAP_ALERTMANAGER_URL: infra.alertmanagerUrl,
      MCPTAP_OCSF_WEBHOOK_URL: `${infra.webhookRecorderUrl}${webhookPath}`,
      MCPTAP_DETECTORS_METRICS_LISTEN: 'off',
      MCPTAP_DETECTOR_TICK_MS: '500',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  service.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The service creates the topics; wait for them before reading and producing.
  await waitFor(
    async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        return (await admin.listTopics()).includes(topics.alertsOcsf);
      } finally {
        await admin.disconnect();
      }
    },
    { timeoutMs: 60_000, intervalMs: 500, description: `the service to create ${topics.alertsOcsf}` },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${stderr}`);
  });
  const onTopic = await topicReader(topics.alertsOcsf);
  await produce(
    topics,
    eventsFor('seed-metadata-ssrf.jsonl', tenant, { user_id: 'mallory-agent', team: 'red' }),
  );

  const finding = await waitFor(
    () =>
      onTopic.find((f) => f.metadata.tenant_uid === tenant && f.finding_info.types.includes('ssrf_target')),
    { timeoutMs: 60_000, description: 'the ssrf_target finding on the OCSF topic' },
  );
  const mine = onTopic.filter((f) => f.metadata.tenant_uid === tenant);
  for (const f of mine)
    assert.deepEqual(detectionFindingProblems(f as unknown as Record<string, unknown>), []);
  assert.equal(finding.metadata.version, OCSF_SCHEMA_VERSION);
  assert.equal(finding.class_uid, 2004);
  assert.equal(finding.severity_id, 5);
  assert.equal(finding.unmapped.user_id, 'mallory-agent');
  assert.ok(finding.observables.some((o) => o.type_id === 4 && o.value === 'mallory-agent'));

  const posted = await waitFor(
    async () =>
      (await fetchNotifications(since))
        .filter((n) => n.path === webhookPath)
        .flatMap((n) => n.body as OcsfDetectionFinding[])
        .find((f) => f.finding_info.uid === finding.finding_info.uid),
    { timeoutMs: 60_000, description: 'the finding at the OCSF webhook' },
  );
  assert.deepEqual(detectionFindingProblems(posted as unknown as Record<string, unknown>), []);
  assert.deepEqual(posted, finding);

  const notified = await waitFor(
    async () =>
      (await fetchNotifications(since))
        .flatMap((n) => (n.body as { alerts?: { labels?: Record<string, string> }[] } | null)?.alerts ?? [])
        .find((a) => a.labels?.tenant === tenant && a.labels.fingerprint === finding.finding_info.uid),
    { timeoutMs: 60_000, description: 'the Alertmanager notification' },
  );
  assert.equal(notified.labels?.user, 'mallory-agent');
  assert.equal(notified.labels?.team, 'red');
});
