// The export pipeline on its own (no HTTP, an in-memory publisher): spans rejected anywhere in a
// request larger than one slice are all reported, and a request none of whose spans is valid is
// refused as a whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCollectorMetrics } from '../../../collector/collector-metrics.js';
import type { ReceiverConfig } from '../../../collector/config.js';
import type { EventPublisher, PublishItem } from '../../../collector/event-publisher.js';
import { ExportRefusal } from '../../../collector/export-errors.js';
import { createExportPipeline } from '../../../collector/export-pipeline.js';
import { admit, InFlightBudget } from '../../../collector/in-flight-budget.js';
import { silentLogger } from '../../../platform/index.js';
import { otlpJsonBody } from '../../collector/otel-sdk.js';
import { mcpSizedToolCall } from '../../collector/sample-events.js';

const config: ReceiverConfig = {
  host: '127.0.0.1',
  port: 0,
  apiKeys: [],
  maxBodyBytes: 8 << 20,
  caps: { contentBytes: 65536, catalogBytes: 262144, promptBytes: 524288 },
  maxRecordBytes: 786432,
  rateLimit: { spansPerSecond: 0, burst: 1 },
  maxConcurrentRequests: 1,
  maxInFlightBytes: 64 << 20,
  publishTimeoutMs: 5000,
  retryAfterSeconds: 5,
  forwardRawSpans: false,
  forwardOtlp: false,
  maskSecrets: true,
  shutdownGraceMs: 0,
};

function memoryPublisher(): EventPublisher & { items: PublishItem[] } {
  const items: PublishItem[] = [];
  return {
    items,
    destination: 'memory',
    publish: async (batch) => void items.push(...batch),
    ready: () => true,
    close: async () => undefined,
  };
}

/** An OTLP/JSON body of `count` tool calls, the spans at `invalid` with a trace id that is not one. */
async function body(count: number, invalid: readonly number[]): Promise<Buffer> {
  const events = Array.from({ length: count }, (_, i) => mcpSizedToolCall('pipeline', i));
  const request = JSON.parse(Buffer.from(await otlpJsonBody(events)).toString('utf8')) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: string }> }> }>;
  };
  const spans = request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  assert.equal(spans.length, count);
  for (const i of invalid) spans[i]!.traceId = `bad-${i}`;
  return Buffer.from(JSON.stringify(request));
}

function pipelineToMemory() {
  const publisher = memoryPublisher();
  const pipeline = createExportPipeline(config, {
    publisher,
    metrics: createCollectorMetrics(),
    logger: silentLogger,
  });
  return { publisher, pipeline };
}

const sender = { tenant: 'tenant-1', keyId: 'tenant-1/00000000' };

describe('export pipeline', () => {
  it('reports every invalid span of a request spanning several slices and publishes the others', async () => {
    const { publisher, pipeline } = pipelineToMemory();
    const budget = new InFlightBudget(1, config.maxInFlightBytes);
    const admission = admit(budget)!;
    const { partial } = await pipeline.export(await body(200, [3, 130, 199]), 'json', sender, admission);
    await admission.release();
    assert.equal(partial?.rejectedSpans, 3);
    assert.match(partial.errorMessage, /^3 of 200 spans rejected: .*invalid trace id 'bad-3'/);
    assert.equal(publisher.items.length, 197);
    assert.equal(budget.bytes, 0, 'all reserved bytes are released');
    assert.equal(budget.requests, 0);
  });

  it('refuses a request none of whose spans is valid (400), publishing nothing', async () => {
    const { publisher, pipeline } = pipelineToMemory();
    const admission = admit(new InFlightBudget(1, config.maxInFlightBytes))!;
    const all = Array.from({ length: 100 }, (_, i) => i);
    await assert.rejects(
      pipeline.export(await body(100, all), 'json', sender, admission),
      (error: unknown) =>
        error instanceof ExportRefusal &&
        error.kind === 'invalid' &&
        /^100 of 100 spans rejected/.test(error.message),
    );
    await admission.release();
    assert.equal(publisher.items.length, 0);
  });
});
