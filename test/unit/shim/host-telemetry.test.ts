import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { McpHostTelemetry, type McpHostTelemetryOptions, type TranscriptLine } from '../../../shim/index.js';
import { memoryTracing, ofKind } from '../../shim/support.js';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');

function telemetry(options: Partial<McpHostTelemetryOptions> = {}) {
  const tracing = memoryTracing();
  const recorded: TranscriptLine[] = [];
  const clock = { ms: T0 };
  const t = new McpHostTelemetry({
    tracer: tracing.provider.getTracer('test'),
    hostId: 'test-host',
    now: () => clock.ms,
    record: (line) => recorded.push(line),
    ...options,
  });
  t.registerServer('files', 'node files.js');
  return { t, tracing, recorded, clock };
}

const call = (id: number, path: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'read_file', arguments: { path } },
});
const result = (id: number, text: string) => ({
  jsonrpc: '2.0',
  id,
  result: { content: [{ type: 'text', text }] },
});

/** Enough of a context manager for synchronous code: `with` makes a context active while it runs. */
class StackContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

describe('McpHostTelemetry', () => {
  it('extracts after the caller returns, every session in order, with the times lines were seen', async () => {
    const { t, tracing, recorded, clock } = telemetry();
    t.session('a').startTurn('read the notes');
    clock.ms += 5;
    t.wire('a', 'files', 'c2s', call(1, '/notes.txt'));
    clock.ms += 3;
    t.session('b').startTurn('read the plan');
    t.wire('b', 'files', 'c2s', call(2, '/plan.txt'));
    clock.ms += 4;
    t.wire('a', 'files', 's2c', result(1, 'meeting at 10'));
    clock.ms += 2;
    t.wire('b', 'files', 's2c', result(2, 'ship it'));
    assert.equal(recorded.length, 0);
    assert.equal(tracing.spans().length, 0);

    await nextTurn();
    assert.deepEqual(
      recorded.map((line) => [line.session, 'dir' in line ? line.dir : line.host, line.ms - T0]),
      [
        ['a', 'user_turn', 0],
        ['a', 'c2s', 5],
        ['b', 'user_turn', 8],
        ['b', 'c2s', 8],
        ['a', 's2c', 12],
        ['b', 's2c', 14],
      ],
    );
    const events = tracing.events();
    for (const [session, text] of [
      ['a', 'meeting at 10'],
      ['b', 'ship it'],
    ] as const) {
      assert.deepEqual(
        events.filter((e) => e.session_id === session).map((e) => e.kind),
        ['turn', 'tool_call'],
      );
      const [callEvent] = ofKind(events, 'tool_call').filter((e) => e.session_id === session);
      assert.equal(callEvent?.result.text, text);
    }
    const [first] = ofKind(events, 'tool_call');
    assert.deepEqual([Date.parse(first?.time ?? '') - T0, first?.duration_ms], [5, 7]);
  });

  it('drops and counts what finds its queue full, and keeps what came first', () => {
    const { t, recorded } = telemetry({ maxQueuedLines: 2 });
    for (let id = 1; id <= 4; id++) t.wire('a', 'files', 'c2s', call(id, `/f${id}`));
    assert.equal(t.metrics.linesDropped.get(), 2);
    t.flush();
    assert.deepEqual(
      recorded.map((line) => ('msg' in line ? (line.msg as { id: number }).id : null)),
      [1, 2],
    );
  });

  it('parses text after the caller returns and counts what is not a JSON-RPC message', async () => {
    const { t, recorded } = telemetry();
    t.wireText('a', 'files', 'c2s', 'not json');
    t.wireText('a', 'files', 'c2s', '42');
    t.wireText('a', 'files', 'c2s', JSON.stringify(call(1, '/notes.txt')));
    assert.equal(t.metrics.errors.get({ stage: 'parse' }), 0);
    await nextTurn();
    assert.equal(t.metrics.errors.get({ stage: 'parse' }), 2);
    assert.deepEqual(
      recorded.map((line) => ('msg' in line ? line.msg : null)),
      [call(1, '/notes.txt')],
    );
  });

  it('parents the spans of a line on the context that was active when the line was seen', async () => {
    const manager = new StackContextManager();
    context.setGlobalContextManager(manager);
    try {
      const { t, tracing } = telemetry();
      const parent = tracing.provider.getTracer('host').startSpan('agent step');
      context.with(trace.setSpan(context.active(), parent), () =>
        t.session('a').assistantOutput('see ![chart](https://charts.example.com/c.png)'),
      );
      await nextTurn();
      const spans = tracing.spans();
      assert.equal(spans.length, 2);
      for (const span of spans) assert.equal(span.parentSpanContext?.spanId, parent.spanContext().spanId);
    } finally {
      context.disable();
    }
  });
});

describe('McpHostTelemetry: whom the calls are made for', () => {
  const users = (t: ReturnType<typeof telemetry>) =>
    ofKind(t.tracing.events(), 'tool_call').map((c) => [c.session_id, c.user_id, c.team, c.user_source]);

  it('puts the host-wide user on every event, a session user over it, and nothing when none is given', async () => {
    const withUser = telemetry({ user: { id: 'svc-agent', team: 'platform' } });
    withUser.t.session('b', { userId: 'bob', team: 'infra' });
    for (const [session, id] of [
      ['a', 1],
      ['b', 2],
    ] as const) {
      withUser.t.wire(session, 'files', 'c2s', call(id, '/notes.txt'));
      withUser.t.wire(session, 'files', 's2c', result(id, 'ok'));
    }
    await nextTurn();
    assert.deepEqual(users(withUser), [
      ['a', 'svc-agent', 'platform', 'option'],
      ['b', 'bob', 'infra', 'session'],
    ]);
    assert.ok(
      withUser.recorded.every((line) => line.user_id !== undefined),
      'the transcript keeps the user',
    );

    const anonymous = telemetry();
    anonymous.t.wire('a', 'files', 'c2s', call(1, '/notes.txt'));
    anonymous.t.wire('a', 'files', 's2c', result(1, 'ok'));
    await nextTurn();
    assert.deepEqual(users(anonymous), [['a', '', '', '']]);
  });

  it("honours user.id (or the older enduser.id) on the host's active span", async () => {
    const manager = new StackContextManager();
    context.setGlobalContextManager(manager);
    try {
      const t = telemetry({ user: { id: 'svc-agent', team: 'platform' } });
      const host = t.tracing.provider.getTracer('host');
      for (const [id, attribute, user] of [
        [1, 'user.id', 'carol'],
        [2, 'enduser.id', 'dave'],
      ] as const) {
        const span = host.startSpan('handle request', { attributes: { [attribute]: user } });
        context.with(trace.setSpan(context.active(), span), () => {
          t.t.wire(`s${id}`, 'files', 'c2s', call(id, '/notes.txt'));
          t.t.wire(`s${id}`, 'files', 's2c', result(id, 'ok'));
        });
      }
      await nextTurn();
      assert.deepEqual(users(t), [
        ['s1', 'carol', 'platform', 'enduser_attribute'],
        ['s2', 'dave', 'platform', 'enduser_attribute'],
      ]);
    } finally {
      context.disable();
    }
  });
});
