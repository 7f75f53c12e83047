// The context a request carries to its server in `params._meta` must be its client span's, whether
// the span starts when the request is sent (any tracer provider) or later, off the host's critical
// path (a provider with the shim's id generator, as `startMcptap` makes). Real SDK client, real
// server-everything over stdio.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { context, ProxyTracerProvider, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { node } from '@opentelemetry/sdk-node';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  instrumentClient,
  McpHostTelemetry,
  mcptapIdGenerator,
  RequestSpanIds,
  SpanEmitter,
  type TranscriptLine,
} from '../../shim/index.js';
import { endpointOf, EVERYTHING, memoryTracing } from './support.js';

// Host spans are found through the active context, which needs a context manager: registered as a
// host with OpenTelemetry of its own does.
new node.NodeTracerProvider().register();

function sentTraceparents(recorded: readonly TranscriptLine[]): Map<string, string> {
  const sent = new Map<string, string>();
  for (const line of recorded) {
    if (!('dir' in line) || line.dir !== 'c2s') continue;
    const msg = line.msg as { method?: string; params?: { name?: string; _meta?: { traceparent?: string } } };
    if (msg.method === 'tools/call' && msg.params?._meta?.traceparent)
      sent.set(String(msg.params.name), msg.params._meta.traceparent);
  }
  return sent;
}

for (const [provider, idGenerator] of [
  ['the shim’s id generator (span started late)', mcptapIdGenerator],
  ['a host’s own provider (span started when sent)', undefined],
] as const) {
  describe(`request span context with ${provider}`, () => {
    const tracing = memoryTracing(idGenerator);
    const tracer = tracing.provider.getTracer('host');
    const recorded: TranscriptLine[] = [];
    const telemetry = new McpHostTelemetry({ tracer, record: (line) => recorded.push(line) });
    const client = instrumentClient(new Client({ name: 'host', version: '1' }), {
      serverName: 'everything',
      endpoint: endpointOf(EVERYTHING),
      telemetry,
    });
    let hostSpan: SpanContext;
    let sentAtMs = 0;

    before(async () => {
      await client.connect(new StdioClientTransport(EVERYTHING));
      sentAtMs = Date.now();
      await client.callTool({ name: 'echo', arguments: { message: 'outside any host span' } });
      const turn = tracer.startSpan('host turn');
      hostSpan = turn.spanContext();
      await context.with(trace.setSpan(context.active(), turn), () =>
        client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }),
      );
      turn.end();
      telemetry.flush();
    });
    after(() => client.close());

    it('sends each tool call the context of the span that records it', () => {
      const sent = sentTraceparents(recorded);
      assert.equal(sent.size, 2);
      for (const [tool, traceparent] of sent) {
        const span = tracing.spans().find((s) => s.name === `tools/call ${tool}`);
        assert.ok(span, `no span for ${tool}`);
        const { traceId, spanId } = span.spanContext();
        assert.equal(traceparent, `00-${traceId}-${spanId}-01`);
      }
      assert.equal(telemetry.metrics.errors.total(), 0);
    });

    it('puts a call made in a host span into the host’s trace, under its span', () => {
      const span = tracing.spans().find((s) => s.name === 'tools/call get-sum');
      assert.equal(span?.spanContext().traceId, hostSpan.traceId);
      assert.equal(span?.parentSpanContext?.spanId, hostSpan.spanId);
      const root = tracing.spans().find((s) => s.name === 'tools/call echo');
      assert.notEqual(root?.spanContext().traceId, hostSpan.traceId);
      assert.equal(root?.parentSpanContext, undefined);
    });

    it('starts each span when its request was sent, and ends it with the response', () => {
      for (const span of tracing.spans().filter((s) => s.name.startsWith('tools/call'))) {
        const start = hrTimeToMilliseconds(span.startTime);
        assert.ok(start >= sentAtMs - 1 && start <= Date.now(), `${span.name} starts at ${start}`);
        assert.ok(hrTimeToMilliseconds(span.endTime) >= start);
        assert.equal(span.spanContext().traceFlags, TraceFlags.SAMPLED);
      }
    });
  });
}

describe('SpanEmitter request spans', () => {
  it('starts the span late only when the tracer takes the preset ids', () => {
    const late = new SpanEmitter({ tracer: memoryTracing(mcptapIdGenerator).provider.getTracer('t') });
    assert.notEqual(late.requestSpanContext('s', 'srv', '1', 'tools/call x', context.active()).pending, null);
    const now = new SpanEmitter({ tracer: memoryTracing().provider.getTracer('t') });
    const started = now.requestSpanContext('s', 'srv', '1', 'tools/call x', context.active());
    assert.equal(started.pending, null);
    assert.match(started.spanContext?.spanId ?? '', /^[0-9a-f]{16}$/);
  });

  it('sends no context when no tracer provider is registered', () => {
    const noop = new SpanEmitter({ tracer: new ProxyTracerProvider().getTracer('none') });
    const result = noop.requestSpanContext('s', 'srv', '1', 'tools/call x', context.active());
    assert.deepEqual(result, { spanContext: null, pending: null });
  });

  it('counts a span the tracer could not give the sent ids, and from then on starts spans at once', () => {
    const ids = new RequestSpanIds();
    const emitter = new SpanEmitter({ tracer: memoryTracing(ids).provider.getTracer('t'), ids });
    const { pending } = emitter.requestSpanContext('s', 'srv', '1', 'tools/call x', context.active());
    assert.ok(pending);
    // The provider was replaced since: its spans get ids of their own.
    const replaced = new SpanEmitter({ tracer: memoryTracing().provider.getTracer('t'), ids });
    replaced.startPendingRequestSpan(pending, context.active());
    assert.equal(replaced.metrics.errors.total(), 1);
    assert.equal(
      replaced.requestSpanContext('s', 'srv', '2', 'tools/call x', context.active()).pending,
      null,
    );
  });
});
