import {
  createNoopMeter,
  type Attributes,
  type Meter,
  type MeterProvider,
  type ObservableCallback,
  type ObservableResult,
} from '@opentelemetry/api';
import type { ShimMetrics } from './shim-metrics.js';

// Names from the OpenTelemetry SDK self-observability conventions, as the batch processor reports them.
const PROCESSED = 'otel.sdk.processor.span.processed';
const QUEUE_SIZE = 'otel.sdk.processor.span.queue.size';

/**
 * A MeterProvider for the batch span processor's self-observability metrics that records them in
 * the shim's own metrics: spans dropped because the queue was full, spans exported by outcome,
 * and (on `readQueueSize`) the queue length. Everything else the SDK asks for is a no-op.
 */
export class ExportQueueMeter implements MeterProvider {
  private readonly queueCallbacks: ObservableCallback[] = [];

  constructor(private readonly metrics: ShimMetrics) {}

  getMeter(): Meter {
    const meter = createNoopMeter();
    const noopCounter = meter.createCounter.bind(meter);
    const noopObservable = meter.createObservableUpDownCounter.bind(meter);
    meter.createCounter = (name, options) => {
      if (name !== PROCESSED) return noopCounter(name, options);
      return {
        add: (value: number, attributes?: Attributes) => {
          const errorType = attributes?.['error.type'];
          if (errorType === 'queue_full') this.metrics.spansDropped.inc({}, value);
          else
            this.metrics.spansExported.inc(
              { outcome: typeof errorType === 'string' ? errorType : 'ok' },
              value,
            );
        },
      };
    };
    meter.createObservableUpDownCounter = (name, options) => {
      const observable = noopObservable(name, options);
      if (name !== QUEUE_SIZE) return observable;
      return {
        addCallback: (callback: ObservableCallback) => void this.queueCallbacks.push(callback),
        removeCallback: (callback: ObservableCallback) => {
          const index = this.queueCallbacks.indexOf(callback);
          if (index >= 0) this.queueCallbacks.splice(index, 1);
        },
      };
    };
    return meter;
  }

  /** Spans now waiting in the export queue (also stored in `metrics.queueSize`). */
  readQueueSize(): number {
    let size = 0;
    const result: ObservableResult = { observe: (value: number) => void (size += value) };
    for (const callback of this.queueCallbacks) void callback(result);
    this.metrics.queueSize.set(size);
    return size;
  }
}
