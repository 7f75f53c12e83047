// Dead letters carry no raw secret: a message that is not JSON, an invalid event and a row that
// ClickHouse 18.16 refuses (whose error quotes the row), each holding secrets, reach the dead-letter
// topic masked, payload and reason; with the operator's opt-in (no masker) they are copied raw.
// Real Kafka, real ClickHouse 18.16.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Message } from 'kafkajs';
import type { McpEvent, ToolCallEvent } from '../../model/index.js';
import { silentLogger } from '../../platform/index.js';
import { maskSecretsInText, type SecretMasker } from '../../secrets/index.js';
import {
  DEAD_LETTER_HEADERS,
  startSink,
  StoreWriter,
  type RunningSink,
  type Store,
} from '../../storage/index.js';
import { uniqueName } from '../support/infra.js';
import {
  dropStore,
  kafkaFixture,
  migratedStore,
  produce,
  readDeadLetters,
  type DeadLetter,
  type KafkaFixture,
} from './sink-harness.js';
import { realLookingSecrets, scriptedSession } from './scenario.js';

const GITHUB_TOKEN = 'ghp_' + 'Qm4Rt8Yu2Io6Pa0Sd3Fg7Hj1Kl5Zx9Cv4Bn8Mq';

describe('sink: dead letters of records holding secrets (Kafka 4.1, ClickHouse 18.16)', () => {
  const stores: Store[] = [];
  const sinks: RunningSink[] = [];
  after(async () => {
    for (const sink of sinks) await sink.stop();
    for (const store of stores) await dropStore(store);
  });

  const secrets = realLookingSecrets();
  /** Fragments that survive JSON escaping: the tokens and each base64 line of the key. */
  const fragments = [
    GITHUB_TOKEN,
    secrets.awsAccessKeyId,
    secrets.awsSecretKey,
    ...secrets.privateKey.split('\n').filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line)),
  ];

  /** Three poison messages, each with secrets: not JSON, not a valid event, a row ClickHouse refuses. */
  function poison(): { messages: Message[]; refusedId: string; invalidId: string } {
    const scenario = scriptedSession({
      tenant: 'dlq',
      sessionId: uniqueName('s'),
      startMs: Date.UTC(2026, 10, 24, 9, 0, 0),
      withSecrets: true,
    });
    const call = scenario.events.find((e): e is ToolCallEvent => e.kind === 'tool_call')!;
    const invalid = { ...call, event_id: uniqueName('invalid'), time: 'yesterday' };
    // The request_id column is narrowed below: ClickHouse refuses this row and quotes it.
    const refused: McpEvent = {
      ...call,
      event_id: uniqueName('refused'),
      request_id: 'not-a-number',
      error_message: `AWS_SECRET_ACCESS_KEY=${secrets.awsSecretKey} ${secrets.awsAccessKeyId}`,
    };
    return {
      messages: [
        { key: 'k', value: `{not json, token ${GITHUB_TOKEN}` },
        { key: 'k', value: JSON.stringify(invalid) },
        { key: 'k', value: JSON.stringify(refused) },
      ],
      refusedId: refused.event_id,
      invalidId: invalid.event_id,
    };
  }

  async function deadLettersOf(name: string, mask: SecretMasker | null) {
    const fixture: KafkaFixture = await kafkaFixture(name);
    const store = await migratedStore(name);
    stores.push(store);
    await store.client.command({
      query: `ALTER TABLE ${store.database}.tool_calls MODIFY COLUMN request_id UInt64`,
    });
    const sent = poison();
    await produce(fixture.kafka, new Map([[fixture.topics.events, sent.messages]]));
    sinks.push(
      await startSink({
        kafka: fixture.kafka,
        topics: fixture.topics,
        writer: new StoreWriter(store, { mask }),
        groupId: uniqueName(`${name}-group`),
        batchRows: 100,
        batchBytes: 1 << 20,
        batchWaitMs: 100,
        retryMaxMs: 1000,
        logger: silentLogger,
      }),
    );
    return { ...sent, letters: await readDeadLetters(fixture, 3) };
  }

  const whole = (letter: DeadLetter) => letter.value + JSON.stringify(letter.headers);

  it('masks the payload and the reason of every dead letter, and keeps the rest of the payload', async () => {
    const { letters, refusedId, invalidId } = await deadLettersOf('sink_dlq_masked', maskSecretsInText);
    for (const letter of letters) {
      for (const fragment of fragments) assert.ok(!whole(letter).includes(fragment), whole(letter));
      assert.match(letter.value, /\[SECRET:[a-z0-9_]+:[0-9a-f]{8}\]/);
    }
    const reasons = Object.fromEntries(
      letters.map((l) => [
        l.value.startsWith('{not json') ? 'text' : (JSON.parse(l.value) as McpEvent).event_id,
        l.headers[DEAD_LETTER_HEADERS.reason] ?? '',
      ]),
    );
    assert.match(reasons.text ?? '', /^not JSON: /);
    assert.match(reasons[invalidId] ?? '', /^not a valid event: .*time/);
    assert.match(reasons[refusedId] ?? '', /^ClickHouse refused the row: Code: 27,/);
    const refused = letters.find((l) => l.value.includes(refusedId))!;
    const event = JSON.parse(refused.value) as ToolCallEvent;
    assert.equal(event.request_id, 'not-a-number', 'everything but the secrets is as produced');
    assert.match(event.result.text, /\[SECRET:private_key:[0-9a-f]{8}\]/);
  });

  it('copies them raw when the operator opted in to unmasked secrets', async () => {
    const { letters } = await deadLettersOf('sink_dlq_raw', null);
    assert.ok(letters.some((l) => l.value === `{not json, token ${GITHUB_TOKEN}`));
    assert.ok(letters.some((l) => l.value.includes(secrets.awsAccessKeyId)));
  });
});
