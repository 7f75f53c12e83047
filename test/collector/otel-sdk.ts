// Spans made by the real OpenTelemetry JS SDK from mcptap events (through the shared span codec), and
// OTLP bodies serialised by the real exporters' serializers.
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { encodeEventAsSpan, type McpEvent } from '../../model/index.js';

export function emitEvents(tracer: Tracer, events: readonly McpEvent[]): void {
  for (const event of events) {
    const span = encodeEventAsSpan(event);
    const otelSpan = tracer.startSpan(span.name, {
      kind: span.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL,
      startTime: span.startTimeMs,
      attributes: span.attributes,
    });
    if (span.error) otelSpan.setStatus({ code: SpanStatusCode.ERROR });
    otelSpan.end(span.endTimeMs);
  }
}

/** The SDK's finished spans for `events`, with the SDK's default resource and `resource` merged in. */
export async function readableSpans(
  events: readonly McpEvent[],
  resource: Record<string, string> = {},
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    resource: resourceFromAttributes(resource),
  });
  emitEvents(provider.getTracer('mcptap-test'), events);
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

export async function otlpProtobufBody(
  events: readonly McpEvent[],
  resource: Record<string, string> = {},
): Promise<Uint8Array> {
  const body = ProtobufTraceSerializer.serializeRequest(await readableSpans(events, resource));
  if (body === undefined) throw new Error('ProtobufTraceSerializer produced no body');
  return body;
}

export async function otlpJsonBody(events: readonly McpEvent[]): Promise<Uint8Array> {
  const body = JsonTraceSerializer.serializeRequest(await readableSpans(events));
  if (body === undefined) throw new Error('JsonTraceSerializer produced no body');
  return body;
}
