// Secrets never reach Kafka raw: the real collector, fed by the real OpenTelemetry JS SDK and
// protobuf exporter, produces events with secrets in tool arguments and results, prompt messages,
// catalog descriptions, egress URLs and forwarded spans of other instrumentations — read back from
// the real Kafka of scripts/infra.sh, no raw secret is on any topic and a mask is in its place. With
// MCPTAP_STORE_SECRETS_UNMASKED=true the same traffic is produced raw.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { topicNames } from '../../model/index.js';
import {
  collectorConfigFromEnv,
  hashApiKey,
  startKafkaCollector,
  type RunningCollector,
} from '../../collector/index.js';
import { createLogger } from '../../platform/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { emitEvents } from './otel-sdk.js';
import { sessionWithSecrets } from './secret-events.js';
import { recordTopics, type RecordedMessage, type TopicRecorder } from './topic-recorder.js';

const KEY = `key-${randomUUID()}`;

interface Running {
  collector: RunningCollector;
  recorder: TopicRecorder;
}

describe('collector with Kafka (scripts/infra.sh kafka): secrets masked before they are produced', () => {
  const running: Running[] = [];
  let brokers: string[];

  before(async () => {
    brokers = (await ensureInfra(['kafka'])).kafkaBrokers;
  });
  after(async () => {
    for (const { collector, recorder } of running) {
      await recorder.stop();
      await collector.close();
    }
  });

  /** Sends a session with secrets (and a span of another instrumentation) through a new collector; what Kafka holds of it. */
  async function produced(env: Record<string, string>) {
    const prefix = uniqueName('collector_secrets');
    const topics = topicNames(prefix);
    const logs: string[] = [];
    const collector = await startKafkaCollector(
      collectorConfigFromEnv({
        MCPTAP_KAFKA_BROKERS: brokers.join(','),
        MCPTAP_TOPIC_PREFIX: prefix,
        MCPTAP_COLLECTOR_LISTEN: '127.0.0.1:0',
        MCPTAP_COLLECTOR_API_KEYS: `${uniqueName('tenant')}:${hashApiKey(KEY)}`,
        MCPTAP_COLLECTOR_FORWARD_RAW_SPANS: 'true',
        ...env,
      }),
      createLogger('collector', { level: 'info', write: (line) => logs.push(line) }),
    );
    const recorder = await recordTopics(brokers, [
      topics.events,
      topics.catalog,
      topics.prompts,
      topics.rawSpans,
    ]);
    running.push({ collector, recorder });
    const session = sessionWithSecrets(uniqueName('session'));
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor(
          new OtlpProtoExporter({ url: `${collector.url}/v1/traces`, headers: { 'x-mcptap-api-key': KEY } }),
        ),
      ],
    });
    const tracer = provider.getTracer('mcptap-shim');
    emitEvents(tracer, session.events);
    // An agent's own HTTP span, forwarded to the raw-spans topic.
    tracer
      .startSpan('POST /v1/upload', {
        attributes: { 'http.request.header.authorization': `Bearer ${session.secrets.githubToken}` },
      })
      .end();
    await provider.forceFlush();
    await provider.shutdown();
    const messages = await waitFor(
      () => (recorder.messages.length >= session.events.length + 1 ? recorder.messages : undefined),
      { timeoutMs: 20_000, description: `${session.events.length + 1} records on the topics` },
    );
    return { session, topics, messages, logs };
  }

  const byTopic = (messages: readonly RecordedMessage[], topic: string) =>
    messages.filter((m) => m.topic === topic).map((m) => m.value);

  it('produces every record with its secrets masked: events, catalogs, prompts and raw spans', async () => {
    const { session, topics, messages, logs } = await produced({});
    assert.ok(!logs.some((line) => line.includes('MCPTAP_STORE_SECRETS_UNMASKED')), logs.join('\n'));
    assert.equal(messages.length, session.events.length + 1);
    for (const message of messages) {
      for (const fragment of session.fragments) {
        assert.ok(!message.value.includes(fragment), `raw secret on ${message.topic}: ${message.value}`);
      }
      assert.match(message.value, /\[SECRET:[a-z0-9_]+:[0-9a-f]{8}\]/, `a mask on ${message.topic}`);
    }
    assert.equal(byTopic(messages, topics.prompts).length, 1);
    assert.equal(byTopic(messages, topics.catalog).length, 1);
    assert.equal(byTopic(messages, topics.rawSpans).length, 1);
    const [prompt] = byTopic(messages, topics.prompts);
    assert.match(prompt!, /AWS_SECRET_ACCESS_KEY=\[SECRET:aws_secret_access_key:[0-9a-f]{8}\]/);
  });

  it('produces them raw when the operator opted in (MCPTAP_STORE_SECRETS_UNMASKED=true)', async () => {
    const { session, messages, logs } = await produced({ MCPTAP_STORE_SECRETS_UNMASKED: 'true' });
    const warning = logs.map((line) => JSON.parse(line) as { level: string; msg: string });
    assert.ok(
      warning.some(
        (line) => line.level === 'warn' && line.msg.startsWith('MCPTAP_STORE_SECRETS_UNMASKED=true'),
      ),
      'a warning at start',
    );
    for (const fragment of session.fragments)
      assert.ok(!logs.join('\n').includes(fragment), 'no secret in the logs');
    const all = messages.map((m) => m.value).join('\n');
    for (const fragment of session.fragments) assert.ok(all.includes(fragment), `${fragment} produced raw`);
    assert.ok(!all.includes('[SECRET:'));
  });
});
