// The store thread of `mcptap local` against embedded ClickHouse (chdb): a worker with its own chdb
// session on the data directory, read back through the main thread's session.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StoreThread } from '../../local/store-thread.js';
import type { McpEvent, ToolCallEvent } from '../../model/index.js';
import { migrate, openEmbeddedStore, storageSettingsFromEnv, type Store } from '../../storage/index.js';
import { sampleEvents } from '../collector/sample-events.js';
import { uniqueName } from '../support/infra.js';

// Events reach the store thread masked by the receiver (test/local/local-masking.test.ts checks
// that a raw secret sent to `mcptap local` never reaches the store).
const MASKED = '[SECRET:github_token:0123abcd]';

describe('store thread on embedded ClickHouse (chdb)', () => {
  let dataDir: string;
  let store: Store;
  let thread: StoreThread;
  /** Events as the pipeline hands them over: each as its JSON, prepared, then written. */
  const write = (events: readonly McpEvent[]) =>
    thread.write([
      thread.prepare(
        events.map((event) => JSON.stringify(event)),
        [],
      ),
    ]);

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mcptap-store-thread-'));
    store = await openEmbeddedStore(dataDir, uniqueName('thread'), { embeddedTables: true });
    await migrate(store, { retentionDays: storageSettingsFromEnv({}).retentionDays });
    thread = await StoreThread.start({ storeDir: dataDir, database: store.database });
  });

  after(async () => {
    await store.client.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes records prepared in parts as they came, which the main thread reads back once the write resolved', async () => {
    const session = uniqueName('session');
    const template = sampleEvents({ sessionId: session }).find((e) => e.kind === 'tool_call')!;
    // Several parts in one write, one of them with a mask the receiver wrote, stored as it is.
    const events: ToolCallEvent[] = Array.from({ length: 1234 }, (_, i) => ({
      ...(template as ToolCallEvent),
      event_id: `${session}-${i}`,
      error_message: i === 7 ? `token ${MASKED} refused` : '',
    }));
    const json = events.map((event) => JSON.stringify(event));
    await thread.write([thread.prepare(json.slice(0, 500), []), thread.prepare(json.slice(500), [])]);
    const [row] = await (
      await store.client.query({
        query: `SELECT count() AS n, countIf(error_message = 'token ${MASKED} refused') AS masked,
                       countIf(error_message != '') AS messages
                FROM ${store.database}.tool_calls WHERE session_id = '${session}'`,
        format: 'JSONEachRow',
      })
    ).json<Record<'n' | 'masked' | 'messages', string | number>>();
    assert.deepEqual(
      { n: Number(row?.n), masked: Number(row?.masked), messages: Number(row?.messages) },
      {
        n: 1234,
        masked: 1,
        messages: 1,
      },
    );
  });

  it('stores text of any script byte for byte, lone surrogates as U+FFFD, across parts of one write', async () => {
    const session = uniqueName('session');
    const template = sampleEvents({ sessionId: session }).find((e) => e.kind === 'tool_call')!;
    const messages = ['naïve — 日本語 🙂', 'plain ascii', 'cut emoji \ud83d', 'ß'.repeat(3000)];
    const json = messages.map((message, i) =>
      JSON.stringify({ ...template, event_id: `${session}-${i}`, error_message: message }),
    );
    await thread.write([thread.prepare(json.slice(0, 2), []), thread.prepare(json.slice(2), [])]);
    const rows = await (
      await store.client.query({
        query: `SELECT error_message FROM ${store.database}.tool_calls
                WHERE session_id = '${session}' ORDER BY event_id`,
        format: 'JSONEachRow',
      })
    ).json<{ error_message: string }>();
    assert.deepEqual(
      rows.map((row) => row.error_message),
      ['naïve — 日本語 🙂', 'plain ascii', 'cut emoji \ufffd', 'ß'.repeat(3000)],
    );
  });

  it('fails a write the store refuses, with the store’s reason, and keeps serving', async () => {
    const event = sampleEvents().find((e) => e.kind === 'tool_call')!;
    await assert.rejects(write([{ ...event, time: 'not a time' }]), /time|DateTime|pars/i);
    await assert.rejects(thread.write([thread.prepare(['{not json'], [])]), /JSON/);
    await write([event]);
  });

  it('closes its own session only: the main thread’s store keeps working, later writes are refused', async () => {
    await thread.close();
    const [row] = await (
      await store.client.query({
        query: `SELECT count() AS n FROM ${store.database}.tool_calls`,
        format: 'JSONEachRow',
      })
    ).json<{ n: string | number }>();
    assert.ok(Number(row?.n) > 0);
    await assert.rejects(write(sampleEvents().slice(0, 1)), /closed/);
  });
});
