// The collector while its Kafka goes away and comes back. Uses a SECOND broker of its own
// (scripts/infra.sh with its own MCPTAP_HOME and ports), never the shared one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseEvent, topicNames } from '../../model/index.js';
import {
  collectorConfigFromEnv,
  hashApiKey,
  startKafkaCollector,
  type RunningCollector,
} from '../../collector/index.js';
import { silentLogger } from '../../platform/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { otlpProtobufBody } from './otel-sdk.js';
import { sampleEvents } from './sample-events.js';
import { recordTopics } from './topic-recorder.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KEY = 'outage-test-key';

function infra(env: NodeJS.ProcessEnv, action: 'start' | 'stop'): void {
  const run = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'infra.sh'), action, 'kafka'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 5 * 60 * 1000,
  });
  if (run.status !== 0)
    throw new Error(`infra.sh ${action} kafka (second broker) failed:\n${run.stdout}\n${run.stderr}`);
}

describe('collector when Kafka (a second broker started by scripts/infra.sh) stops and returns', () => {
  let home: string;
  let brokerEnv: NodeJS.ProcessEnv;
  let brokers: string[];
  let collector: RunningCollector | undefined;

  before(async () => {
    // The shared broker's start also resolves the Kafka jars; the second broker reuses that cache.
    await ensureInfra(['kafka']);
    home = mkdtempSync(join(tmpdir(), 'mcptap-outage-'));
    symlinkSync(join(REPO_ROOT, '.mcptap', 'cache'), join(home, 'cache'));
    const port = 29000 + (process.pid % 500) * 2;
    brokerEnv = {
      MCPTAP_HOME: home,
      MCPTAP_KAFKA_PORT: String(port),
      MCPTAP_KAFKA_CONTROLLER_PORT: String(port + 1),
      MCPTAP_KAFKA_HEAP: '256m',
    };
    brokers = [`127.0.0.1:${port}`];
    infra(brokerEnv, 'start');
  });

  after(async () => {
    await collector?.close();
    if (brokerEnv !== undefined) infra(brokerEnv, 'stop');
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while Kafka is down; every batch answered 200 is on the topic afterwards', async () => {
    const prefix = uniqueName('outage');
    const topics = topicNames(prefix);
    const tenant = uniqueName('tenant');
    collector = await startKafkaCollector(
      collectorConfigFromEnv({
        MCPTAP_KAFKA_BROKERS: brokers.join(','),
        MCPTAP_TOPIC_PREFIX: prefix,
        MCPTAP_COLLECTOR_LISTEN: '127.0.0.1:0',
        MCPTAP_COLLECTOR_API_KEYS: `${tenant}:${hashApiKey(KEY)}`,
        MCPTAP_COLLECTOR_PUBLISH_TIMEOUT_MS: '3000',
        MCPTAP_COLLECTOR_READY_TTL_MS: '2000',
        MCPTAP_COLLECTOR_RETRY_AFTER_S: '1',
        MCPTAP_TOPIC_PARTITIONS: '2',
      }),
      silentLogger,
    );
    const url = `${collector.url}/v1/traces`;

    const acked = new Set<string>();
    const statuses: number[] = [];
    let retryAfterSeen = false;
    let sending = true;
    // Hosts keep sending: one batch of every event kind at a time.
    const sender = (async () => {
      while (sending) {
        const events = sampleEvents();
        const res = await fetch(url, {
          method: 'POST',
          body: Buffer.from(await otlpProtobufBody(events)),
          headers: { 'content-type': 'application/x-protobuf', 'x-mcptap-api-key': KEY },
        }).catch(() => undefined);
        if (res === undefined) continue;
        await res.arrayBuffer();
        statuses.push(res.status);
        if (res.status === 200) for (const e of events) acked.add(e.event_id);
        if (res.status === 503 && res.headers.get('retry-after') === '1') retryAfterSeen = true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await waitFor(() => statuses.filter((s) => s === 200).length >= 5, {
      timeoutMs: 30_000,
      description: '200s before the outage',
    });
    infra(brokerEnv, 'stop');
    const okBeforeOutage = acked.size;
    await waitFor(() => statuses.filter((s) => s === 503).length >= 3, {
      timeoutMs: 30_000,
      description: '503s while Kafka is down',
    });
    assert.equal((await fetch(`${collector.url}/readyz`)).status, 503);
    assert.equal((await fetch(`${collector.url}/healthz`)).status, 200);
    const answeredDuringOutage = statuses.length;
    infra(brokerEnv, 'start');
    await waitFor(() => statuses.slice(answeredDuringOutage).filter((s) => s === 200).length >= 5, {
      timeoutMs: 60_000,
      description: '200s after Kafka returned',
    });
    sending = false;
    await sender;

    assert.ok(retryAfterSeen, '503 answers carry Retry-After');
    assert.ok(acked.size > okBeforeOutage, 'accepted again after the outage');
    assert.deepEqual(
      [...new Set(statuses)].filter((s) => s !== 200 && s !== 503),
      [],
      'only 200 and 503 while the broker comes and goes',
    );

    const recorder = await recordTopics(brokers, [topics.events, topics.catalog, topics.prompts]);
    try {
      const seen = await waitFor(
        () => {
          const ids = new Set(recorder.messages.map((m) => parseEvent(JSON.parse(m.value)).event_id));
          return [...acked].every((id) => ids.has(id)) ? ids : undefined;
        },
        { timeoutMs: 30_000, description: `all ${acked.size} acknowledged events on the topics` },
      );
      assert.ok(seen.size >= acked.size);
      // At least once: an event of a request answered 503 may be there too (its retry would carry
      // the same event_id); consumers deduplicate by event_id.
      for (const m of recorder.messages) assert.equal(parseEvent(JSON.parse(m.value)).tenant, tenant);
    } finally {
      await recorder.stop();
    }
  });
});
