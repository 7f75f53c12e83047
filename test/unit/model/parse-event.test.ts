import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  capContent,
  EventValidationError,
  McpEventSchema,
  parseEvent,
  type McpEvent,
} from '../../../model/index.js';
import { base, server } from './event-fields.js';

const content = capContent('{"path":"notes.txt"}', 1024);

const samples: McpEvent[] = [
  {
    ...base,
    ...server,
    kind: 'tool_call',
    tool: 'read_file',
    request_id: '7',
    arguments: content,
    result: capContent('x'.repeat(100), 10),
    is_error: false,
    error_type: '',
    error_message: '',
    duration_ms: 60.5,
    request_bytes: 80,
    response_bytes: 140,
    chain_index: 1,
  },
  {
    ...base,
    ...server,
    kind: 'content_read',
    method: 'resources/read',
    target: 'file:///notes.txt',
    request_id: '8',
    content,
    is_error: false,
    error_type: '',
    duration_ms: 3,
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
    items: content,
    diff: { added: ['x'], removed: [], changed: [{ name: 'read_file', fields: ['description'] }] },
    instructions: '',
  },
  {
    ...base,
    ...server,
    kind: 'egress',
    tool: 'fetch',
    channel: 'tool_argument',
    dest_scheme: 'https',
    dest_host: 'example.com',
    dest_port: 443,
    dest_value: capContent('https://example.com/', 1024),
    location: '$.url',
    source_event_id: 'e-0',
  },
  { ...base, kind: 'turn', phase: 'start', text: content, inferred: false },
  { ...base, kind: 'assistant_output', text: content },
  { ...base, kind: 'prompt', messages: content, message_count: 2, tool_count: 1 },
];

/** What the schema alone makes of a value, worded as parseEvent words a refusal. */
function reference(value: unknown): { event: unknown } | { issues: string[] } {
  const result = McpEventSchema.safeParse(value);
  if (result.success) return { event: result.data };
  return { issues: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
}

function outcome(value: unknown): { event: unknown } | { issues: string[] } {
  try {
    return { event: parseEvent(value) };
  } catch (error) {
    assert.ok(error instanceof EventValidationError, String(error));
    return { issues: [...error.issues] };
  }
}

const BAD_VALUES: readonly unknown[] = [
  undefined,
  null,
  '',
  'x'.repeat(1025),
  'x'.repeat(257),
  -1,
  0.5,
  2 ** 53,
  65536,
  NaN,
  Infinity,
  true,
  {},
  [],
  ['x'],
  '2026-11-24T10:00:00Z',
  'A'.repeat(64),
];

/** Every field (and every field of nested content and diff objects) deleted, or set to each bad value. */
function* mutations(value: Record<string, unknown>, path: string): Generator<[string, unknown]> {
  for (const key of Object.keys(value)) {
    const { [key]: removed, ...without } = value;
    yield [`${path}${key} missing`, without];
    for (const bad of BAD_VALUES)
      yield [`${path}${key}=${String(bad).slice(0, 20)}`, { ...value, [key]: bad }];
    if (typeof removed === 'object' && removed !== null && !Array.isArray(removed)) {
      for (const [name, inner] of mutations(removed as Record<string, unknown>, `${path}${key}.`))
        yield [name, { ...value, [key]: inner }];
    }
  }
  yield [`${path}stray key`, { ...value, stray: 'x' }];
  yield [`${path}__proto__ key`, JSON.parse(`{"__proto__": 1, ${JSON.stringify(value).slice(1)}`)];
}

describe('parseEvent', () => {
  it('returns every valid event of every kind as the schema does', () => {
    for (const sample of samples) {
      const value: unknown = JSON.parse(JSON.stringify(sample));
      assert.deepEqual(parseEvent(value), McpEventSchema.parse(value), sample.kind);
    }
  });

  it('refuses what the schema refuses, with its message, and strips what it strips', () => {
    let refused = 0;
    for (const sample of samples) {
      for (const [name, value] of mutations(JSON.parse(JSON.stringify(sample)), `${sample.kind}: `)) {
        const expected = reference(value);
        assert.deepEqual(outcome(value), expected, name);
        if ('issues' in expected) refused++;
      }
    }
    // The mutations are mostly invalid: the comparison is not vacuous.
    assert.ok(refused > 1000, `${refused} refusals`);
  });

  it('refuses values that are not events', () => {
    for (const value of [null, 'tool_call', 42, [], {}, { kind: 'nope' }, { ...base, kind: 'turn' }]) {
      assert.throws(() => parseEvent(value), EventValidationError, JSON.stringify(value));
    }
  });

  it('drops a key the schema does not name instead of returning it', () => {
    const [sample] = samples;
    const parsed = parseEvent({ ...sample, extra: 'kept?', arguments: { ...content, extra: 1 } });
    assert.equal('extra' in parsed, false);
    assert.equal('extra' in (parsed as { arguments: object }).arguments, false);
  });
});
