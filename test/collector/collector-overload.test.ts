// The collector under overload, against the real Kafka of scripts/infra.sh: far more concurrent
// requests than its limits admit. Counts are bounded; nothing here depends on speed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  collectorConfigFromEnv,
  hashApiKey,
  startKafkaCollector,
  type RunningCollector,
} from '../../collector/index.js';
import { parseEvent, topicNames, type McpEvent } from '../../model/index.js';
import { silentLogger } from '../../platform/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { otlpProtobufBody } from './otel-sdk.js';
import { mcpSizedToolCall } from './sample-events.js';
import { recordTopics, type TopicRecorder } from './topic-recorder.js';

const KEY = `key-${randomUUID()}`;
const REQUESTS = 40;
const SPANS_PER_REQUEST = 64;

describe('collector under overload (scripts/infra.sh kafka)', () => {
  let collector: RunningCollector;
  let recorder: TopicRecorder;

  before(async () => {
    const { kafkaBrokers } = await ensureInfra(['kafka']);
    const prefix = uniqueName('collector_overload');
    const topics = topicNames(prefix);
    collector = await startKafkaCollector(
      collectorConfigFromEnv({
        MCPTAP_KAFKA_BROKERS: kafkaBrokers.join(','),
        MCPTAP_TOPIC_PREFIX: prefix,
        MCPTAP_COLLECTOR_LISTEN: '127.0.0.1:0',
        MCPTAP_COLLECTOR_API_KEYS: `${uniqueName('tenant')}:${hashApiKey(KEY)}`,
        MCPTAP_COLLECTOR_MAX_CONCURRENT_REQUESTS: '2',
        MCPTAP_COLLECTOR_RATE_LIMIT_SPANS: '0',
        MCPTAP_TOPIC_PARTITIONS: '3',
      }),
      silentLogger,
    );
    recorder = await recordTopics(kafkaBrokers, [topics.events]);
  });

  after(async () => {
    await recorder?.stop();
    await collector?.close();
  });

  const post = (body: Uint8Array) =>
    fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', 'x-mcptap-api-key': KEY },
    });

  it('refuses what exceeds its limits with 503 + Retry-After, loses nothing it accepted, and serves again afterwards', async () => {
    const requests: McpEvent[][] = Array.from({ length: REQUESTS }, (_, r) =>
      Array.from({ length: SPANS_PER_REQUEST }, (_, i) => mcpSizedToolCall(`overload-${r}`, i)),
    );
    const bodies = await Promise.all(requests.map((events) => otlpProtobufBody(events)));
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const res = await post(body);
        await res.arrayBuffer();
        return { status: res.status, retryAfter: res.headers.get('retry-after') };
      }),
    );
    const accepted = answers.flatMap((a, r) => (a.status === 200 ? [r] : []));
    const refused = answers.filter((a) => a.status !== 200);
    assert.ok(
      refused.length > 0,
      `with 2 admitted at once, some of ${REQUESTS} simultaneous requests are refused`,
    );
    for (const answer of refused) {
      assert.equal(answer.status, 503);
      assert.ok(Number(answer.retryAfter) >= 1, 'a refusal tells when to retry');
    }

    // Recovery: the same collector, once the burst is over, accepts again.
    const later = [mcpSizedToolCall('overload-after', 0)];
    const res = await post(await otlpProtobufBody(later));
    assert.equal(res.status, 200);

    const expected = new Set([
      ...accepted.flatMap((r) => requests[r]!.map((e) => e.event_id)),
      later[0]!.event_id,
    ]);
    await waitFor(
      () => {
        const seen = new Set(recorder.messages.map((m) => parseEvent(JSON.parse(m.value)).event_id));
        return [...expected].every((id) => seen.has(id)) || undefined;
      },
      { timeoutMs: 30_000, description: `all ${expected.size} accepted events on the events topic` },
    );
  });

  it('answers every refusal of a large body still being sent, never resetting the connection', async () => {
    // Bodies of ~1.2 MB arrive over many TCP segments: most are refused before they are read. The
    // refusal must reach the sender as 503 + Retry-After, not as a reset of the socket it writes to.
    const events = Array.from({ length: 512 }, (_, i) => mcpSizedToolCall('overload-large', i));
    const body = await otlpProtobufBody(events);
    assert.ok(body.length > 1_000_000, 'a body larger than a socket buffer');
    const outcomes = await Promise.all(
      Array.from({ length: 24 }, async () => {
        try {
          const res = await post(body);
          await res.arrayBuffer();
          return { status: res.status, retryAfter: res.headers.get('retry-after') };
        } catch (error) {
          return { error: String((error as { cause?: unknown }).cause ?? error) };
        }
      }),
    );
    const failures = outcomes.filter((o) => 'error' in o);
    assert.deepEqual(failures, [], 'every request gets an answer');
    const refused = outcomes.filter((o) => 'status' in o && o.status !== 200);
    assert.ok(refused.length > 0, 'with 2 admitted at once, some of 24 are refused');
    for (const answer of refused) {
      assert.equal('status' in answer && answer.status, 503);
      assert.ok('retryAfter' in answer && Number(answer.retryAfter) >= 1, 'a refusal tells when to retry');
    }
  });
});
