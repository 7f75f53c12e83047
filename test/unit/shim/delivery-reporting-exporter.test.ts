import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { DeliveryReportingExporter, type ExportFailure } from '../../../shim/delivery-reporting-exporter.js';
import { createShimMetrics } from '../../../shim/shim-metrics.js';

type Result = Parameters<Parameters<SpanExporter['export']>[1]>[0];

function exporterAnswering(result: Result): SpanExporter {
  return {
    export: (_spans, done) => done(result),
    shutdown: () => Promise.resolve(),
  };
}

const spans = (n: number) => Array.from({ length: n }, () => ({}) as ReadableSpan);

describe('delivery-reporting exporter', () => {
  it('counts the spans of a failed export as dropped and says why: an HTTP refusal', () => {
    const metrics = createShimMetrics();
    const failures: ExportFailure[] = [];
    const refused = Object.assign(new Error('Unauthorized'), { code: 401 });
    const exporter = new DeliveryReportingExporter(
      exporterAnswering({ code: 1, error: refused }),
      metrics,
      (f) => failures.push(f),
    );
    let answered: Result | undefined;
    exporter.export(spans(3), (r) => (answered = r));
    assert.equal(answered?.code, 1, 'the SDK still hears of the failure');
    assert.equal(metrics.spansDropped.get(), 3);
    assert.deepEqual(failures, [{ status: 401, code: undefined, message: 'Unauthorized' }]);
  });

  it('a network error: its code', () => {
    const metrics = createShimMetrics();
    const failures: ExportFailure[] = [];
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' });
    new DeliveryReportingExporter(exporterAnswering({ code: 1, error: refused }), metrics, (f) =>
      failures.push(f),
    ).export(spans(2), () => undefined);
    assert.equal(failures[0]?.code, 'ECONNREFUSED');
    assert.equal(failures[0]?.status, undefined);
  });

  it('a delivered export drops nothing and reports nothing', () => {
    const metrics = createShimMetrics();
    let reported = false;
    new DeliveryReportingExporter(exporterAnswering({ code: 0 }), metrics, () => (reported = true)).export(
      spans(5),
      () => undefined,
    );
    assert.equal(metrics.spansDropped.get(), 0);
    assert.equal(reported, false);
  });
});
