import { PanelBuilder as BarChartBuilder } from '@grafana/grafana-foundation-sdk/barchart';
import { PanelBuilder as BarGaugeBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import {
  BarGaugeDisplayMode,
  GraphDrawStyle,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingMode,
  StackingConfigBuilder,
  VizLegendOptionsBuilder,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import {
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type DynamicConfigValue,
  type Threshold,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { SEVERITIES, type Severity } from '../model/index.js';
import { clickhouseQuery } from './clickhouse-query.js';
import { CLICKHOUSE } from './datasource.js';

/**
 * The few panel shapes the dashboards use, each with its ClickHouse query, description, unit and
 * thresholds set, so an analyst can read a panel without asking.
 */

export interface PanelSpec {
  title: string;
  /** Shown in the panel's (i) tooltip: what is counted, from which events, and what to do about it. */
  description: string;
  sql: string;
  /** Width (of 24 grid columns) and height (grid rows). */
  size: [number, number];
  unit: string;
  /** Colour steps from low to high; the first value is null (the base colour). */
  thresholds: Threshold[];
}

export interface TableSpec extends PanelSpec {
  /** Per-column settings: a unit, a link, colours. */
  columns?: Record<string, DynamicConfigValue[]>;
}

type AnyPanel = TimeSeriesBuilder | TableBuilder | StatBuilder | BarChartBuilder | BarGaugeBuilder;

export const GREEN_ONLY: Threshold[] = [{ value: null, color: 'green' }];

/** Green below `warn`, orange from `warn`, red from `alert`. */
export function steps(warn: number, alert: number): Threshold[] {
  return [
    { value: null, color: 'green' },
    { value: warn, color: 'orange' },
    { value: alert, color: 'red' },
  ];
}

function common<P extends AnyPanel>(panel: P, spec: PanelSpec): P {
  panel
    .title(spec.title)
    .description(spec.description)
    .datasource(CLICKHOUSE)
    .unit(spec.unit)
    .thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(spec.thresholds))
    .gridPos({ x: 0, y: 0, w: spec.size[0], h: spec.size[1] });
  return panel;
}

function legend(): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.Table)
    .placement(LegendPlacement.Right)
    .calcs(['sum', 'max']);
}

/** A long result (`t`, optional label column, values) drawn as one line or bar series per label. */
export function timeSeries(spec: PanelSpec & { stacked?: boolean; bars?: boolean }): TimeSeriesBuilder {
  const panel = common(new TimeSeriesBuilder(), spec)
    .withTarget(clickhouseQuery(spec.sql, 'timeSeries'))
    .legend(legend())
    .fillOpacity(spec.stacked ? 60 : 10)
    .min(0);
  if (spec.stacked) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (spec.bars) panel.drawStyle(GraphDrawStyle.Bars);
  return panel;
}

export function table(spec: TableSpec): TableBuilder {
  const panel = common(new TableBuilder(), spec)
    .withTarget(clickhouseQuery(spec.sql, 'table'))
    .filterable(true);
  for (const [column, properties] of Object.entries(spec.columns ?? {}))
    panel.overrideByName(column, properties);
  return panel;
}

export function stat(spec: PanelSpec): StatBuilder {
  return common(new StatBuilder(), spec)
    .withTarget(clickhouseQuery(spec.sql, 'table'))
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('').values(false));
}

/** Categories (first column) against counts, e.g. a distribution. */
export function barChart(spec: PanelSpec): BarChartBuilder {
  return common(new BarChartBuilder(), spec)
    .withTarget(clickhouseQuery(spec.sql, 'table'))
    .orientation(VizOrientation.Vertical)
    .legend(new VizLegendOptionsBuilder().showLegend(false));
}

/** One bar per row (label column, value column), for rankings. */
export function barGauge(spec: PanelSpec): BarGaugeBuilder {
  return common(new BarGaugeBuilder(), spec)
    .withTarget(clickhouseQuery(spec.sql, 'table'))
    .orientation(VizOrientation.Horizontal)
    .displayMode(BarGaugeDisplayMode.Basic)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(true));
}

// ---- column settings for tables ----

export function unit(value: string): DynamicConfigValue {
  return { id: 'unit', value };
}

export function width(value: number): DynamicConfigValue {
  return { id: 'custom.width', value };
}

const SEVERITY_COLOURS: Record<Severity, string> = {
  info: 'blue',
  low: 'green',
  medium: 'yellow',
  high: 'orange',
  critical: 'red',
};

/** Severity cells coloured from blue (info) to red (critical). */
export function severityColours(): DynamicConfigValue[] {
  const mapping: ValueMapping = {
    type: MappingType.ValueToText,
    options: Object.fromEntries(
      SEVERITIES.map((severity, index) => [severity, { color: SEVERITY_COLOURS[severity], index }]),
    ),
  };
  return [
    { id: 'mappings', value: [mapping] },
    { id: 'custom.cellOptions', value: { type: 'color-text' } },
  ];
}

export const SESSION_DASHBOARD_UID = 'mcptap-session';

/**
 * A link from a row to its session's forensics view. The row must have `tenant` and `session_id`
 * columns; the time range goes along so the analyst comes back to the same window.
 */
export function sessionLink(): DynamicConfigValue[] {
  const url =
    `/d/${SESSION_DASHBOARD_UID}/session-forensics?var-tenant=\${__data.fields.tenant:percentencode}` +
    `&var-session=\${__data.fields.session_id:percentencode}&\${__url_time_range}`;
  return [{ id: 'links', value: [{ title: 'Open the session timeline', url }] }];
}
