import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-frame.js';
import { barGauge, GREEN_ONLY, stat, steps, table, timeSeries, unit, width } from './panel-factory.js';
import { inRange, TIME_BUCKET } from './sql-scope.js';
import { scopeVariables } from './variables.js';

/** Error share of tool calls above which a panel turns orange, then red. */
const ERROR_RATE_STEPS = steps(0.05, 0.2);

const calls = `FROM tool_calls FINAL WHERE ${inRange('tool_calls')}`;

/** Fingerprints with a firing row and no resolved row are open. */
const alertStates = `SELECT fingerprint, max(status = 'resolved') AS resolved FROM alerts FINAL WHERE ${inRange('alerts')} GROUP BY fingerprint`;

export function overviewDashboard(): Dashboard {
  return buildDashboard({
    uid: 'mcptap-overview',
    title: 'mcptap / Overview',
    description: 'Tool calls, sessions and alerts at a glance; start here and follow the links.',
    variables: scopeVariables(),
    sections: [
      {
        panels: [
          stat({
            title: 'Tool calls',
            description:
              'MCP tools/call requests observed by the shim in the time range (each call once, however often it was delivered).',
            sql: `SELECT count() AS calls ${calls}`,
            size: [6, 4],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          stat({
            title: 'Sessions',
            description:
              'Distinct host conversations (gen_ai.conversation.id) that called at least one tool in the time range.',
            sql: `SELECT uniqExact(session_id) AS sessions ${calls}`,
            size: [6, 4],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          stat({
            title: 'Error rate',
            description:
              'Share of tool calls that failed (a JSON-RPC error, or a result with isError). Orange from 5 %, red from 20 %: look at the Tool calls dashboard for the failing tool.',
            sql: `SELECT if(count() = 0, 0, sum(is_error) / count()) AS error_rate ${calls}`,
            size: [6, 4],
            unit: 'percentunit',
            thresholds: ERROR_RATE_STEPS,
          }),
          stat({
            title: 'Open alerts',
            description:
              'Alerts raised in the time range that have not been resolved. Any open alert is orange, five or more red: open the Alerts dashboard.',
            sql: `SELECT count() AS open_alerts FROM (${alertStates}) WHERE resolved = 0`,
            size: [6, 4],
            unit: 'short',
            thresholds: steps(1, 5),
          }),
          timeSeries({
            title: 'Tool calls over time',
            description: 'Tool calls and failed tool calls per interval.',
            sql: `SELECT ${TIME_BUCKET} AS t, count() AS calls, sum(is_error) AS errors ${calls} GROUP BY t ORDER BY t`,
            size: [12, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          timeSeries({
            title: 'Active sessions over time',
            description: 'Distinct sessions that called a tool in each interval.',
            sql: `SELECT ${TIME_BUCKET} AS t, uniqExact(session_id) AS sessions ${calls} GROUP BY t ORDER BY t`,
            size: [12, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          timeSeries({
            title: 'Alerts by severity over time',
            description:
              'Distinct alerts (by fingerprint) raised per interval, stacked by severity (info, low, medium, high, critical).',
            sql: `SELECT ${TIME_BUCKET} AS t, severity, uniqExact(fingerprint) AS alerts FROM alerts FINAL WHERE ${inRange('alerts')} AND status = 'firing' GROUP BY t, severity ORDER BY t, severity`,
            size: [12, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
            stacked: true,
            bars: true,
          }),
          timeSeries({
            title: 'Error rate over time',
            description: 'Share of tool calls that failed, per interval. Orange from 5 %, red from 20 %.',
            sql: `SELECT ${TIME_BUCKET} AS t, sum(is_error) / count() AS error_rate ${calls} GROUP BY t ORDER BY t`,
            size: [12, 8],
            unit: 'percentunit',
            thresholds: ERROR_RATE_STEPS,
          }),
          barGauge({
            title: 'Top servers by tool calls',
            description: 'The ten MCP servers with the most tool calls in the time range.',
            sql: `SELECT server_name, count() AS calls ${calls} GROUP BY server_name ORDER BY calls DESC, server_name LIMIT 10`,
            size: [10, 9],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          table({
            title: 'Top tools',
            description:
              'The twenty most called tools with their failures and 95th-percentile latency. Error rate is coloured like the Error rate panel.',
            sql: `SELECT server_name, tool, count() AS calls, sum(is_error) AS errors, sum(is_error) / count() AS error_rate, quantileExact(0.95)(duration_ms) AS p95_ms ${calls} GROUP BY server_name, tool ORDER BY calls DESC, server_name, tool LIMIT 20`,
            size: [14, 9],
            unit: 'short',
            thresholds: ERROR_RATE_STEPS,
            columns: {
              error_rate: [unit('percentunit'), { id: 'custom.cellOptions', value: { type: 'color-text' } }],
              p95_ms: [unit('ms'), width(90)],
            },
          }),
        ],
      },
    ],
  });
}
