import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { SEVERITIES } from '../model/index.js';
import { buildDashboard } from './dashboard-frame.js';
import {
  barGauge,
  GREEN_ONLY,
  sessionLink,
  severityColours,
  stat,
  steps,
  table,
  timeSeries,
  width,
} from './panel-factory.js';
import { inRange, TIME_BUCKET } from './sql-scope.js';
import { ruleVariable, scopeVariables, severityVariable } from './variables.js';

const filtered = `${inRange('alerts')} AND $__conditionalAll(rule IN (\${rule:singlequote}), $rule) AND $__conditionalAll(severity IN (\${severity:singlequote}), $severity)`;
const alerts = `FROM alerts FINAL WHERE ${filtered}`;
const severityOrder = `indexOf([${SEVERITIES.map((s) => `'${s}'`).join(', ')}], severity)`;

/**
 * One row per alert (fingerprint): open until a resolved row arrives. Filtered in a subquery, because
 * an alias named like a column (`any(rule) AS rule`) would replace the column in WHERE.
 */
const perAlert = `SELECT tenant, fingerprint, min(time) AS raised, any(rule) AS rule, any(severity) AS severity, if(max(status = 'resolved') = 1, 'resolved', 'open') AS state, any(host_id) AS host_id, any(session_id) AS session_id, any(server_name) AS server_name, any(tool) AS tool, any(summary) AS summary, any(runbook) AS runbook FROM (SELECT tenant, fingerprint, time, rule, severity, status, host_id, session_id, server_name, tool, summary, runbook ${alerts}) GROUP BY tenant, fingerprint`;

export function alertsDashboard(): Dashboard {
  return buildDashboard({
    uid: 'mcptap-alerts',
    title: 'mcptap / Alerts',
    description:
      'Every alert the detectors raised, by rule, severity and tenant, with a link to the session that raised it.',
    from: 'now-7d',
    variables: [...scopeVariables(), ruleVariable(), severityVariable()],
    sections: [
      {
        panels: [
          stat({
            title: 'Open and resolved',
            description:
              'Alerts (distinct fingerprints) raised in the time range: open ones have no resolved notification yet. Open alerts are orange from 1, red from 5.',
            sql: `SELECT countIf(state = 'open') AS open, countIf(state = 'resolved') AS resolved FROM (${perAlert})`,
            size: [8, 6],
            unit: 'short',
            thresholds: steps(1, 5),
          }),
          barGauge({
            title: 'By severity',
            description: 'Distinct alerts per severity, most severe first.',
            sql: `SELECT severity, uniqExact(fingerprint) AS alerts ${alerts} GROUP BY severity ORDER BY ${severityOrder} DESC`,
            size: [8, 6],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          table({
            title: 'By tenant',
            description: 'Distinct alerts per tenant, with the high and critical ones counted apart.',
            sql: `SELECT tenant, uniqExact(fingerprint) AS alerts, uniqExactIf(fingerprint, severity = 'critical') AS critical, uniqExactIf(fingerprint, severity = 'high') AS high ${alerts} GROUP BY tenant ORDER BY alerts DESC, tenant`,
            size: [8, 6],
            unit: 'short',
            thresholds: steps(1, 1),
            columns: { critical: [{ id: 'custom.cellOptions', value: { type: 'color-text' } }] },
          }),
          timeSeries({
            title: 'Alerts by rule over time',
            description: 'Distinct alerts raised per interval, stacked by detector rule.',
            sql: `SELECT ${TIME_BUCKET} AS t, rule, uniqExact(fingerprint) AS alerts ${alerts} AND status = 'firing' GROUP BY t, rule ORDER BY t, rule`,
            size: [24, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
            stacked: true,
            bars: true,
          }),
          table({
            title: 'Alerts',
            description:
              'One row per alert, newest first: what was found (summary, secrets masked), what to do (runbook), and the session to open for the full story.',
            sql: `SELECT raised AS time, severity, rule, state, tenant, host_id, server_name, tool, session_id, summary, runbook, fingerprint FROM (${perAlert}) ORDER BY time DESC, fingerprint LIMIT 1000`,
            size: [24, 12],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: { severity: severityColours(), session_id: sessionLink(), summary: [width(420)] },
          }),
        ],
      },
    ],
  });
}
