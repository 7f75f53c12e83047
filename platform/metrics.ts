/**
 * A minimal Prometheus metrics registry (text exposition format 0.0.4): counters, gauges and
 * histograms with fixed label sets. Enough for our services' /metrics without a dependency.
 */

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  return keys
    .map(
      (k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');
}

interface Metric {
  render(): string[];
}

/** One series of a counter, its labels rendered once when bound: counting builds no string. */
export interface BoundCounter {
  inc(amount?: number): void;
}

export class Counter implements Metric {
  private readonly series = new Map<string, { value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, amount = 1): void {
    this.seriesOf(labelKey(labels)).value += amount;
  }
  /**
   * The series of `labels`, for a hot path that counts under a label set known in advance. The
   * series appears in the exposition at its first increment, as with `inc`.
   */
  bind(labels: Labels = {}): BoundCounter {
    const key = labelKey(labels);
    let series: { value: number } | undefined;
    return {
      inc: (amount = 1) => {
        (series ??= this.seriesOf(key)).value += amount;
      },
    };
  }
  get(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.value ?? 0;
  }
  /** The sum over every label set. */
  total(): number {
    let sum = 0;
    for (const { value } of this.series.values()) sum += value;
    return sum;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.series.size === 0) lines.push(`${this.name} 0`);
    for (const [key, { value }] of this.series) lines.push(`${this.name}${key ? `{${key}}` : ''} ${value}`);
    return lines;
  }
  private seriesOf(key: string): { value: number } {
    let series = this.series.get(key);
    if (series === undefined) {
      series = { value: 0 };
      this.series.set(key, series);
    }
    return series;
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(value: number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), value);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, value] of this.values) lines.push(`${this.name}${key ? `{${key}}` : ''} ${value}`);
    return lines;
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private observed = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = new Array<number>(buckets.length).fill(0);
  }
  /** Observations so far. */
  get count(): number {
    return this.observed;
  }
  observe(value: number): void {
    this.sum += value;
    this.observed++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket{le="${le}"} ${this.counts[i]}`));
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.observed}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.observed}`,
    );
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  render(): string {
    return this.metrics.flatMap((m) => m.render()).join('\n') + '\n';
  }
  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
}
