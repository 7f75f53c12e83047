import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ShimMetrics } from './shim-metrics.js';

// The SDK's ExportResult, named without importing @opentelemetry/core (not a shim dependency).
type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];
const EXPORT_SUCCESS = 0;

/** Why an export failed, as far as the exporter tells: an HTTP status or a network error code. */
export interface ExportFailure {
  /** HTTP status of the refusal (401, 400 …), when the collector answered. */
  status?: number;
  /** Network error code (ECONNREFUSED, ENOTFOUND …), when it did not. */
  code?: string;
  message: string;
}

function failureOf(error: Error | undefined): ExportFailure {
  const fields = (error ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  const status = typeof fields.code === 'number' ? fields.code : undefined;
  const code =
    typeof fields.code === 'string'
      ? fields.code
      : typeof fields.cause?.code === 'string'
        ? fields.cause.code
        : undefined;
  return { status, code, message: error?.message || 'export failed' };
}

/**
 * Wraps the OTLP exporter so that no span is lost silently: spans of a failed export (after the
 * exporter's own retries) count as dropped, and `onFailure` hears of each failure.
 */
export class DeliveryReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly metrics: ShimMetrics,
    private readonly onFailure: (failure: ExportFailure) => void = () => undefined,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== EXPORT_SUCCESS) {
        this.metrics.spansDropped.inc({}, spans.length);
        try {
          this.onFailure(failureOf(result.error));
        } catch {
          this.metrics.errorsByStage.report.inc();
        }
      }
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
