// A backlog through the sink against the real local Kafka and the ClickHouse 18.16 server: fetched
// while behind, rows are written at once, to the last one, however long the batch wait is.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { topicForEvent, type McpEvent } from '../../model/index.js';
import { silentLogger } from '../../platform/index.js';
import { startSink, StoreWriter, type RunningSink, type Store } from '../../storage/index.js';
import { uniqueName, waitFor } from '../support/infra.js';
import {
  committedOffsets,
  dropStore,
  kafkaFixture,
  migratedStore,
  produce,
  recordMessages,
} from './sink-harness.js';
import { scriptedSession } from './scenario.js';
import { count } from './store-suite.js';

describe('sink catching up on a backlog (Kafka 4.1 → ClickHouse 18.16)', () => {
  let store: Store | undefined;
  let sink: RunningSink | undefined;
  after(async () => {
    await sink?.stop();
    await dropStore(store);
  });

  it('writes the last rows of a backlog without holding them for a fuller batch', async () => {
    const fixture = await kafkaFixture('sink_backlog');
    store = await migratedStore('sink_backlog');
    // One session key: the whole backlog is on one partition of the events topic, many fetches long.
    const events: McpEvent[] = Array.from({ length: 40 }, (_, i) =>
      scriptedSession({
        tenant: 'backlog',
        sessionId: 'backlog-session',
        startMs: Date.UTC(2026, 10, 24, 9, 0, i),
      })
        .events.filter((event) => topicForEvent(fixture.topics, event) === fixture.topics.events)
        .map((event) => ({ ...event, event_id: `${event.event_id}-${i}` })),
    ).flat();
    // Small producer batches: a fetch returns whole producer batches, and each fetch is to hold a few.
    await produce(fixture.kafka, recordMessages(fixture.topics, events), 5);

    const groupId = uniqueName('sink-backlog-group');
    sink = await startSink({
      kafka: fixture.kafka,
      topics: fixture.topics,
      writer: new StoreWriter(store, { mask: null }),
      groupId,
      batchRows: 10_000,
      batchBytes: 16 << 10,
      // Far longer than the wait below: rows held for a fuller batch would not be there in time.
      batchWaitMs: 600_000,
      retryMaxMs: 1000,
      logger: silentLogger,
    });

    await waitFor(async () => (await committedOffsets(fixture, groupId)) === events.length, {
      timeoutMs: 30_000,
      description: 'the whole backlog stored and committed',
    });
    const toolCalls = events.filter((event) => event.kind === 'tool_call').length;
    assert.ok(toolCalls > 0);
    assert.equal(await count(store, 'tool_calls'), toolCalls);
  });
});
