// A burst far above the embedded mode's queue bound, as OTLP protobuf bodies serialised by the
// OpenTelemetry exporter's own serializer: senders are held while the queue is full and then
// refused with 503 + Retry-After, never answered 200 for what was not stored. Every acknowledged
// event is in embedded ClickHouse, and resending the refused requests stores the rest exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLocal, type RunningLocal } from '../../local/index.js';
import type { McpEvent } from '../../model/index.js';
import { otlpProtobufBody } from '../collector/otel-sdk.js';
import { mcpSizedToolCall } from '../collector/sample-events.js';
import { uniqueName } from '../support/infra.js';

const QUEUE_EVENTS = 400;
const REQUESTS = 60;
const SPANS_PER_REQUEST = 200;

interface Sent {
  events: McpEvent[];
  body: Uint8Array;
}

describe('mcptap local under a burst far above its queue bound', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-local-overload-'));
  const session = uniqueName('burst');
  let local: RunningLocal;
  const requests: Sent[] = [];

  const post = async (sent: Sent) => {
    const response = await fetch(`${local.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-mcptap-api-key': local.apiKey },
      body: sent.body,
    });
    await response.arrayBuffer();
    return { status: response.status, retryAfter: response.headers.get('retry-after') };
  };

  const storedIds = async (): Promise<Set<string>> => {
    const rows = await (
      await local.store.client.query({
        query: `SELECT event_id FROM ${local.store.database}.tool_calls FINAL WHERE session_id LIKE {p:String}`,
        query_params: { p: `${session}%` },
        format: 'JSONEachRow',
      })
    ).json<{ event_id: string }>();
    return new Set(rows.map((r) => r.event_id));
  };

  before(async () => {
    local = await startLocal({
      dataDir,
      listen: '127.0.0.1:0',
      queue: { maxEvents: QUEUE_EVENTS, enqueueTimeoutMs: 150, batchEvents: 200 },
    });
    for (let r = 0; r < REQUESTS; r++) {
      const events = Array.from({ length: SPANS_PER_REQUEST }, (_, i) =>
        mcpSizedToolCall(`${session}-${r % 8}`, i),
      );
      requests.push({ events, body: await otlpProtobufBody(events) });
    }
  });

  after(async () => {
    await local?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds, then refuses with 503 + Retry-After; every acknowledged event is stored; resends store the rest once', async () => {
    const answers = await Promise.all(requests.map(post));
    const statuses = new Set(answers.map((a) => a.status));
    assert.deepEqual(
      [...statuses].filter((s) => s !== 200 && s !== 503),
      [],
      'only 200 or 503',
    );
    const accepted = requests.filter((_, i) => answers[i]!.status === 200);
    const refused = requests.filter((_, i) => answers[i]!.status === 503);
    assert.ok(refused.length > 0, 'a burst of 12,000 events over a 400-event queue is refused in part');
    assert.ok(
      accepted.length * SPANS_PER_REQUEST > QUEUE_EVENTS,
      'more was accepted than the queue holds at once: senders were held until there was room',
    );
    assert.ok(
      answers.every((a) => a.status === 200 || Number(a.retryAfter) > 0),
      '503s carry Retry-After',
    );

    await local.idle();
    const ids = await storedIds();
    for (const sent of accepted) for (const event of sent.events) assert.ok(ids.has(event.event_id));

    let pending = refused;
    for (let round = 0; pending.length > 0 && round < 50; round++) {
      const again = await Promise.all(pending.map(post));
      pending = pending.filter((_, i) => again[i]!.status !== 200);
    }
    assert.equal(pending.length, 0, 'resent requests are eventually accepted');
    await local.idle();
    const all = await storedIds();
    assert.equal(all.size, REQUESTS * SPANS_PER_REQUEST);
    const [row] = await (
      await local.store.client.query({
        query: `SELECT count() AS n FROM ${local.store.database}.tool_calls FINAL WHERE session_id LIKE {p:String}`,
        query_params: { p: `${session}%` },
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    assert.equal(Number(row!.n), REQUESTS * SPANS_PER_REQUEST, 'each event once');
    // A refused request never reached the detectors: they saw each event once.
    assert.equal(local.stats().events, REQUESTS * SPANS_PER_REQUEST);
  });
});
