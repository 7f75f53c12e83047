import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHash, parseEvent } from '../../../model/index.js';
import {
  catalogEvent,
  contentReadEvent,
  DEFAULT_CAPS,
  egressEvent,
  promptEvent,
  toolCallEvent,
  turnEvent,
  type EventPlace,
} from '../../../extract/event-builders.js';
import type { PendingRequest } from '../../../extract/pending-requests.js';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const user = { user_id: 'carol', team: 'payments', user_source: 'session' as const };
const place = (ms = 0, eventId = 'e-1'): EventPlace => ({
  ctx: { tenant: 'acme', hostId: 'laptop', user, ms: T0 + ms },
  session: 's-1',
  turnId: 'turn-1',
  eventId,
});
const server = { name: 'files', id: 'srv-1', version: '2.1.0' };
const request = (method: string, params: Record<string, unknown>): PendingRequest => ({
  method,
  server: 'files',
  id: 7,
  requestId: '7',
  params,
  place: place(100, 'call-1'),
  chainIndex: 3,
  requestBytes: 42,
});

describe('event builders', () => {
  it("put the request's line, session, turn and user on the event, its time in RFC 3339", () => {
    const call = toolCallEvent(
      server,
      {
        request: request('tools/call', { name: 'read_file' }),
        response: { result: {} },
        responseBytes: 9,
        ms: T0 + 160,
      },
      DEFAULT_CAPS,
    );
    assert.deepEqual(
      [
        call.event_id,
        call.time,
        call.tenant,
        call.host_id,
        call.session_id,
        call.turn_id,
        call.user_id,
        call.team,
      ],
      ['call-1', '2026-11-24T10:00:00.100Z', 'acme', 'laptop', 's-1', 'turn-1', 'carol', 'payments'],
    );
    assert.deepEqual(
      [call.duration_ms, call.request_bytes, call.response_bytes, call.chain_index],
      [60, 42, 9, 3],
    );
    assert.deepEqual([call.server_name, call.server_id, call.server_version], ['files', 'srv-1', '2.1.0']);
  });

  it('reads a JSON-RPC error as its code and message with its data, a tool error as tool_error', () => {
    const exchange = (response: Record<string, unknown>) => ({
      request: request('tools/call', { name: 'send', arguments: { to: 'x' } }),
      response,
      responseBytes: 1,
      ms: T0 + 100,
    });
    const rpc = toolCallEvent(
      server,
      exchange({ error: { code: -32602, message: 'bad params', data: { field: 'to' } } }),
      DEFAULT_CAPS,
    );
    assert.deepEqual(
      [rpc.is_error, rpc.error_type, rpc.error_message],
      [true, '-32602', 'bad params {"field":"to"}'],
    );
    const tool = toolCallEvent(
      server,
      exchange({ result: { isError: true, content: [{ type: 'text', text: 'quota exceeded' }] } }),
      DEFAULT_CAPS,
    );
    assert.deepEqual(
      [tool.is_error, tool.error_type, tool.error_message, tool.result.text],
      [true, 'tool_error', 'quota exceeded', 'quota exceeded'],
    );
  });

  it('never reports a negative duration when a response is stamped before its request', () => {
    const read = contentReadEvent(
      server,
      {
        request: request('resources/read', { uri: 'file:///a' }),
        response: { result: {} },
        responseBytes: 0,
        ms: T0,
      },
      DEFAULT_CAPS,
    );
    assert.equal(read.duration_ms, 0);
  });

  it('caps text to its kind of content, keeping the full size', () => {
    const caps = { ...DEFAULT_CAPS, text: 8, prompt: 16 };
    const start = turnEvent(place(), 'start', 'a long user request', false, caps);
    assert.deepEqual([start.text.text, start.text.truncated, start.text.bytes], ['a long u', true, 19]);
    const prompt = promptEvent(place(), [{ role: 'user', content: 'hi' }], [], caps);
    assert.equal(prompt.messages.truncated, true);
    assert.equal(turnEvent(place(), 'end', 'ignored', false, caps).text.bytes, 0, 'an end carries no text');
  });

  it('builds events the model accepts', () => {
    const destination = { scheme: 'https', host: 'example.org', port: 443, value: 'https://example.org/x' };
    const events = [
      turnEvent(place(), 'start', 'hi', true, DEFAULT_CAPS),
      promptEvent(place(), [], [], DEFAULT_CAPS),
      egressEvent(
        place(),
        { server, tool: 'fetch', eventId: 'call-1' },
        destination,
        'tool_argument',
        '$.url',
        DEFAULT_CAPS,
      ),
      egressEvent(
        place(),
        { server: null, tool: '', eventId: 'out-1' },
        destination,
        'assistant_link',
        'text',
        DEFAULT_CAPS,
      ),
      catalogEvent(
        place(),
        server,
        {
          kind: 'tools',
          trigger: 'initialize',
          hash: canonicalHash([{ name: 'read_file' }]),
          previousHash: '',
          items: [{ name: 'read_file' }],
          diff: { added: [], removed: [], changed: [] },
          instructions: '',
        },
        DEFAULT_CAPS,
      ),
    ];
    for (const event of events) assert.equal(parseEvent(event), event);
  });
});
