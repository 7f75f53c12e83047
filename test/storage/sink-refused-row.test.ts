// A row that ClickHouse 18.16 refuses to read, inside a batch of good ones: the sink stores the
// good rows, sends the refused one to the dead-letter topic with the server's reason, and goes on
// (it used to retry the whole batch forever). Real Kafka, real ClickHouse 18.16.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ToolCallEvent } from '../../model/index.js';
import { silentLogger } from '../../platform/index.js';
import {
  DEAD_LETTER_HEADERS,
  startSink,
  StoreWriter,
  type RunningSink,
  type Store,
} from '../../storage/index.js';
import { uniqueName, waitFor } from '../support/infra.js';
import {
  committedOffsets,
  dropStore,
  kafkaFixture,
  migratedStore,
  produce,
  readDeadLetters,
  recordMessages,
} from './sink-harness.js';
import { scriptedSession } from './scenario.js';
import { count } from './store-suite.js';

describe('sink: a row ClickHouse 18.16 refuses, among good ones', () => {
  let store: Store | undefined;
  let sink: RunningSink | undefined;
  after(async () => {
    await sink?.stop();
    await dropStore(store);
  });

  it('stores the good rows and dead-letters the refused one with the reason', async () => {
    const fixture = await kafkaFixture('sink_refused');
    const groupId = uniqueName('sink-refused-group');
    store = await migratedStore('sink_refused');
    // A column narrower than the model allows (as after a careless migration): the scripted
    // sessions' request ids are numbers, so only the row below does not fit.
    await store.client.command({
      query: `ALTER TABLE ${store.database}.tool_calls MODIFY COLUMN request_id UInt64`,
    });

    const sessions = Array.from({ length: 10 }, (_, i) =>
      scriptedSession({
        tenant: 'refused',
        sessionId: 'refused-session',
        startMs: Date.UTC(2026, 10, 24, 9, 0, i),
      }),
    ).map((s, i) => ({ ...s, events: s.events.map((e) => ({ ...e, event_id: `${e.event_id}-${i}` })) }));
    const calls = sessions.flatMap((s) => s.events).filter((e): e is ToolCallEvent => e.kind === 'tool_call');
    const refused: ToolCallEvent = { ...calls[0]!, event_id: 'refused-call', request_id: 'not-a-number' };
    const records = sessions.flatMap((s) => [...s.events, ...s.alerts]);
    // One session key: the refused row is in the same partition, batch and insert as good ones.
    records.splice(records.length / 2, 0, refused);
    await produce(fixture.kafka, recordMessages(fixture.topics, records));

    sink = await startSink({
      kafka: fixture.kafka,
      topics: fixture.topics,
      writer: new StoreWriter(store, { mask: null }),
      groupId,
      batchRows: 1000,
      batchBytes: 1 << 20,
      batchWaitMs: 100,
      retryMaxMs: 1000,
      logger: silentLogger,
    });

    const [letter] = await readDeadLetters(fixture, 1);
    assert.equal(JSON.parse(letter!.value).event_id, 'refused-call', 'the original message');
    assert.match(letter!.headers[DEAD_LETTER_HEADERS.reason] ?? '', /^ClickHouse refused the row: Code: 27,/);
    assert.equal(letter!.headers[DEAD_LETTER_HEADERS.topic], fixture.topics.events);

    await waitFor(async () => (await committedOffsets(fixture, groupId)) === records.length, {
      timeoutMs: 30_000,
      description: 'every message consumed and committed',
    });
    assert.equal(await count(store, 'tool_calls'), calls.length);
    assert.equal(await count(store, 'tool_calls', `event_id = 'refused-call'`), 0);
    assert.equal(await count(store, 'turns'), records.filter((r) => 'kind' in r && r.kind === 'turn').length);
    assert.equal(await count(store, 'alerts'), records.filter((r) => !('kind' in r)).length);

    const admin = fixture.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(fixture.topics.deadLetter);
      assert.equal(
        ends.reduce((sum, p) => sum + Number(p.high), 0),
        1,
        'nothing else dead-lettered',
      );
    } finally {
      await admin.disconnect();
    }
  });
});
