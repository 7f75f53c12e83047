import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_USER, type McpEvent, type ToolCallEvent } from '../../../model/index.js';
import { SessionExtractor, type TranscriptLine } from '../../../extract/index.js';
import {
  CANCELLED_ERROR,
  NO_RESPONSE_ERROR,
  PendingRequests,
  unansweredResponse,
  type PendingRequest,
} from '../../../extract/pending-requests.js';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');

function request(id: string | number, { session = 's-1', server = 'files', ms = 0 } = {}): PendingRequest {
  return {
    method: 'tools/call',
    server,
    id,
    requestId: String(id),
    params: { name: `t-${id}` },
    place: {
      ctx: { tenant: 'acme', hostId: 'h', user: NO_USER, ms: T0 + ms },
      session,
      turnId: '',
      eventId: `e-${session}-${server}-${id}`,
    },
    chainIndex: 0,
    requestBytes: 10,
  };
}

const ids = (requests: readonly PendingRequest[]) => requests.map((r) => r.place.eventId);

describe('pending requests', () => {
  it('pairs a response only with the request of its session, server and exact id', () => {
    const pending = new PendingRequests(10);
    for (const r of [
      request(7),
      request('7'),
      request(7, { server: 'mail' }),
      request(7, { session: 's-2' }),
    ])
      assert.equal(pending.add(r), undefined);
    assert.equal(pending.take('s-1', 'files', 8), undefined);
    assert.equal(pending.take('s-1', 'files', '7')?.place.eventId, 'e-s-1-files-7');
    assert.equal(pending.take('s-1', 'files', '7'), undefined, 'a request is answered once');
    assert.equal(pending.take('s-2', 'files', 7)?.place.eventId, 'e-s-2-files-7');
    assert.equal(pending.size, 2);
  });

  it('gives back the request a reused id replaces, and puts the new one last', () => {
    const pending = new PendingRequests(10);
    const first = request(1);
    pending.add(first);
    pending.add(request(2));
    const again = { ...request(1, { ms: 50 }), place: { ...request(1).place, eventId: 'again' } };
    assert.equal(pending.add(again), first);
    assert.deepEqual(ids(pending.takeAll()), ['e-s-1-files-2', 'again']);
    assert.equal(pending.size, 0);
  });

  it('evicts the oldest requests beyond its bound, and only those', () => {
    const pending = new PendingRequests(2);
    for (const id of [1, 2, 3, 4]) pending.add(request(id));
    assert.deepEqual(ids(pending.evictOverflow()), ['e-s-1-files-1', 'e-s-1-files-2']);
    assert.deepEqual(pending.evictOverflow(), []);
    assert.equal(pending.take('s-1', 'files', 1), undefined, 'an evicted request no longer pairs');
    assert.deepEqual(ids(pending.takeAll()), ['e-s-1-files-3', 'e-s-1-files-4']);
  });

  it('reports an unanswered request as a JSON-RPC error saying why', () => {
    assert.deepEqual(unansweredResponse(CANCELLED_ERROR), {
      error: { code: 'cancelled', message: 'the client cancelled the request' },
    });
    assert.deepEqual(unansweredResponse(NO_RESPONSE_ERROR), {
      error: { code: 'no_response', message: 'no response was seen for the request' },
    });
  });
});

describe('SessionExtractor: requests that get no response', () => {
  const call = (ms: number, id: number, tool = `t-${id}`): TranscriptLine => ({
    ms: T0 + ms,
    session: 's-1',
    server: 'files',
    dir: 'c2s',
    msg: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool } },
  });
  const answerMsg = (id: number) => ({
    jsonrpc: '2.0',
    id,
    result: { content: [{ type: 'text', text: 'ok' }] },
  });
  /** An answer's size on the wire (one-digit ids). */
  const ANSWER_BYTES = JSON.stringify(answerMsg(1)).length;
  const answer = (ms: number, id: number): TranscriptLine => ({
    ms: T0 + ms,
    session: 's-1',
    server: 'files',
    dir: 's2c',
    msg: answerMsg(id),
  });
  const calls = (events: McpEvent[]) =>
    events
      .filter((e): e is ToolCallEvent => e.kind === 'tool_call')
      .map((e) => [e.tool, e.error_type, e.duration_ms, e.response_bytes]);
  const extractor = (maxPending = 10) =>
    new SessionExtractor({ tenant: 'acme', hostId: 'h', newId: () => 'id', maxPending });

  it('waits for a slow response with no timeout', () => {
    const x = extractor();
    const events = [call(0, 1), answer(2 * 3_600_000, 1)].flatMap((line) => x.push(line));
    assert.deepEqual(calls(events), [['t-1', '', 7_200_000, ANSWER_BYTES]]);
    assert.deepEqual(calls(x.flush()), [], 'nothing is left waiting');
  });

  it('reports an evicted request as unanswered at the time of the request that pushed it out', () => {
    const x = extractor(2);
    const events = [call(0, 1), call(10, 2), call(30, 3), answer(40, 1)].flatMap((line) => x.push(line));
    assert.deepEqual(calls(events), [['t-1', 'no_response', 30, 0]], 'the late answer pairs with nothing');
    assert.deepEqual(calls(x.flush()), [
      ['t-2', 'no_response', 0, 0],
      ['t-3', 'no_response', 0, 0],
    ]);
  });

  it('reports a request whose id is reused before its response as unanswered, before the new one', () => {
    const x = extractor();
    const events = [call(0, 1, 'first'), call(20, 1, 'second'), answer(25, 1)].flatMap((line) =>
      x.push(line),
    );
    assert.deepEqual(calls(events), [
      ['first', 'no_response', 20, 0],
      ['second', '', 5, ANSWER_BYTES],
    ]);
  });
});
