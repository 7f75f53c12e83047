import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  capContent,
  decodeSpanAsEvent,
  encodeEventAsSpan,
  EventValidationError,
  parseEvent,
  type McpEvent,
  type SpanAttributeValue,
  type SpanAttributes,
} from '../../../model/index.js';
import { base, server } from './event-fields.js';

const samples: McpEvent[] = [
  {
    ...base,
    ...server,
    kind: 'tool_call',
    tool: 'read_file',
    request_id: '7',
    arguments: capContent('{"path":"notes.txt"}', 1024),
    result: capContent('x'.repeat(100), 10),
    is_error: false,
    error_type: '',
    error_message: '',
    duration_ms: 60,
    request_bytes: 80,
    response_bytes: 140,
    chain_index: 1,
  },
  {
    ...base,
    ...server,
    kind: 'catalog',
    catalog_kind: 'tools',
    trigger: 'list_changed',
    hash: 'a'.repeat(64),
    previous_hash: 'b'.repeat(64),
    item_count: 1,
    items: capContent('[{"name":"read_file"}]', 1024),
    diff: { added: ['x'], removed: [], changed: [{ name: 'read_file', fields: ['description'] }] },
    instructions: '',
  },
  {
    ...base,
    server_name: '',
    server_id: '',
    server_version: '',
    kind: 'egress',
    tool: '',
    channel: 'assistant_image',
    dest_scheme: 'https',
    dest_host: 'example.org',
    dest_port: 0,
    dest_value: capContent('https://example.org/p.png', 2048),
    location: 'text',
    source_event_id: 'e-0',
  },
  { ...base, kind: 'turn', phase: 'start', text: capContent('hello', 100), inferred: false },
];

describe('span codec', () => {
  for (const event of samples) {
    it(`round-trips a ${event.kind} event through span attributes`, () => {
      const span = encodeEventAsSpan(event);
      // Values on the wire lose their types (OTLP int64 arrives as string in JSON): simulate that.
      const wire = Object.fromEntries(
        Object.entries(span.attributes).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]),
      );
      assert.deepEqual(decodeSpanAsEvent({ ...span, attributes: wire }, 'acme'), event);
    });
  }

  it('takes the tenant from the caller, never from the span', () => {
    const span = encodeEventAsSpan(samples[0]!);
    span.attributes['tenant'] = 'evil';
    assert.equal(decodeSpanAsEvent(span, 'acme').tenant, 'acme');
  });

  it('writes the user as user.id, reads the older enduser.id, and leaves the tenant to the caller', () => {
    const span = encodeEventAsSpan(samples[0]!);
    assert.equal(span.attributes['user.id'], 'alice@example.com');
    assert.equal(span.attributes['mcptap.user.team'], 'payments');
    const older: SpanAttributes = { ...span.attributes, 'enduser.id': 'bob' };
    delete older['user.id'];
    const event = decodeSpanAsEvent({ ...span, attributes: older }, 'acme');
    assert.equal(event.user_id, 'bob');
    assert.equal(event.tenant, 'acme');
    const both = { ...span.attributes, 'enduser.id': 'bob' };
    assert.equal(decodeSpanAsEvent({ ...span, attributes: both }, 'acme').user_id, 'alice@example.com');
    const none: SpanAttributes = { ...span.attributes };
    delete none['user.id'];
    delete none['mcptap.user.team'];
    delete none['mcptap.user.source'];
    const unknown = decodeSpanAsEvent({ ...span, attributes: none }, 'acme');
    assert.deepEqual([unknown.user_id, unknown.team, unknown.user_source], ['', '', '']);
  });

  it('refuses a user source it does not know', () => {
    const span = encodeEventAsSpan(samples[0]!);
    span.attributes['mcptap.user.source'] = 'trust-me';
    assert.throws(() => decodeSpanAsEvent(span, 'acme'), /user_source/);
  });

  it('names tool call spans after the semantic conventions', () => {
    const span = encodeEventAsSpan(samples[0]!);
    assert.equal(span.name, 'tools/call read_file');
    assert.equal(span.kind, 'client');
    assert.equal(span.attributes['mcp.method.name'], 'tools/call');
    assert.equal(span.attributes['gen_ai.operation.name'], 'execute_tool');
  });

  it('rejects a span that claims to be ours but lacks required fields', () => {
    assert.throws(
      () =>
        decodeSpanAsEvent(
          { startTimeMs: 1, endTimeMs: 1, attributes: { 'mcptap.event.kind': 'tool_call' } },
          't',
        ),
      EventValidationError,
    );
  });

  it('accepts only what the event schema accepts, unchanged, whatever an attribute holds', () => {
    const odd: (SpanAttributeValue | undefined)[] = [
      undefined,
      '',
      'x'.repeat(257),
      'x'.repeat(1025),
      'f'.repeat(64),
      'start',
      'tools',
      '-1',
      '1.5',
      ' ',
      'NaN',
      -1,
      1.5,
      70_000,
      2 ** 53,
      Infinity,
      true,
      '{"added":[],"removed":[],"changed":[],"extra":1}',
    ];
    let accepted = 0;
    let refused = 0;
    for (const event of samples) {
      const span = encodeEventAsSpan(event);
      for (const attribute of Object.keys(span.attributes)) {
        for (const value of odd) {
          const attributes = { ...span.attributes };
          if (value === undefined) delete attributes[attribute];
          else attributes[attribute] = value;
          let decoded: McpEvent;
          try {
            decoded = decodeSpanAsEvent({ ...span, attributes }, 'acme');
          } catch (error) {
            assert.ok(
              error instanceof EventValidationError,
              `${attribute}=${String(value)}: ${String(error)}`,
            );
            refused++;
            continue;
          }
          accepted++;
          assert.deepEqual(parseEvent(decoded), decoded, `${event.kind} ${attribute}=${String(value)}`);
        }
      }
    }
    assert.ok(accepted > 0 && refused > 0, `${accepted} accepted, ${refused} refused`);
  });

  it("explains a refused span with the event schema's messages", () => {
    const span = encodeEventAsSpan(samples[0]!);
    span.attributes['mcptap.request.bytes'] = -1;
    span.attributes['mcptap.event.id'] = '';
    assert.throws(
      () => decodeSpanAsEvent(span, 'acme'),
      (error: unknown) =>
        error instanceof EventValidationError &&
        /^invalid mcptap event: /.test(error.message) &&
        error.issues.some((issue) => issue.startsWith('event_id:')) &&
        error.issues.some((issue) => issue.startsWith('request_bytes:')),
    );
  });

  it('refuses an unknown kind, even one named like an object property, and a time past what a Date holds', () => {
    const span = encodeEventAsSpan(samples[0]!);
    for (const kind of ['constructor', 'toString', 'nope']) {
      assert.throws(
        () =>
          decodeSpanAsEvent({ ...span, attributes: { ...span.attributes, 'mcptap.event.kind': kind } }, 't'),
        EventValidationError,
      );
    }
    assert.throws(
      () => decodeSpanAsEvent({ ...span, startTimeMs: 9e15, endTimeMs: 9e15 }, 't'),
      EventValidationError,
    );
  });
});
