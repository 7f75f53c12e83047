import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-frame.js';
import {
  GREEN_ONLY,
  sessionLink,
  severityColours,
  steps,
  table,
  timeSeries,
  width,
} from './panel-factory.js';
import { inRange, scope, TIME_BUCKET } from './sql-scope.js';
import { scopeVariables } from './variables.js';

/** A drift: a snapshot whose hash differs from the server's previous one (the same test as storage's catalogChanges). */
const DRIFT = `previous_hash != '' AND hash != previous_hash`;

/** The newest snapshot of every server's catalog on every host, over all time: the catalogs in use now. */
const currentCatalogs = `SELECT argMax(event_id, time) FROM catalog_snapshots FINAL WHERE ${scope('catalog_snapshots')} GROUP BY tenant, host_id, server_id, catalog_kind`;

export function catalogChangesDashboard(): Dashboard {
  return buildDashboard({
    uid: 'mcptap-catalog',
    title: 'mcptap / Catalog changes',
    description:
      'Rug pulls and tool poisoning: every change of a server catalog, divergence across hosts, new servers and lint findings.',
    from: 'now-7d',
    variables: scopeVariables(),
    sections: [
      {
        panels: [
          timeSeries({
            title: 'Catalog drifts over time',
            description:
              "Catalog snapshots whose hash differs from the server's previous one, per interval and server. A drift without a release on your side is a possible rug pull.",
            sql: `SELECT ${TIME_BUCKET} AS t, server_name, count() AS drifts FROM catalog_snapshots FINAL WHERE ${inRange('catalog_snapshots')} AND ${DRIFT} GROUP BY t, server_name ORDER BY t, server_name`,
            size: [24, 7],
            unit: 'short',
            thresholds: steps(1, 3),
            stacked: true,
            bars: true,
          }),
          table({
            title: 'Every drift, with its diff',
            description:
              'Each catalog change: items added, removed, and changed (with the changed fields, e.g. description or inputSchema). Hashes are the canonical SHA-256 of the catalog (first 12 hex digits).',
            sql: `SELECT time, tenant, host_id, session_id, server_name, server_version, catalog_kind, trigger, item_count, arrayStringConcat(diff_added, ', ') AS added, arrayStringConcat(diff_removed, ', ') AS removed, diff_changed AS changed, substring(previous_hash, 1, 12) AS previous, substring(hash, 1, 12) AS current FROM catalog_snapshots FINAL WHERE ${inRange('catalog_snapshots')} AND ${DRIFT} ORDER BY time DESC LIMIT 500`,
            size: [24, 9],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: { session_id: sessionLink(), changed: [width(320)] },
          }),
          table({
            title: 'Servers with diverging catalogs across hosts',
            description:
              'The same server name and version whose latest catalog differs between hosts: a server that serves different tools to different users. Red from 2 distinct catalogs.',
            sql: `SELECT tenant, server_name, server_version, catalog_kind, uniqExact(hash) AS catalogs, uniqExact(host_id) AS hosts, arrayStringConcat(arraySort(groupUniqArray(host_id)), ', ') AS host_list FROM (SELECT tenant, server_name, server_version, catalog_kind, host_id, argMax(hash, time) AS hash FROM catalog_snapshots FINAL WHERE ${inRange('catalog_snapshots')} GROUP BY tenant, server_name, server_version, catalog_kind, host_id) GROUP BY tenant, server_name, server_version, catalog_kind HAVING catalogs > 1 ORDER BY catalogs DESC, server_name`,
            size: [12, 8],
            unit: 'short',
            thresholds: steps(2, 2),
            columns: { catalogs: [{ id: 'custom.cellOptions', value: { type: 'color-text' } }] },
          }),
          table({
            title: 'Newly seen servers',
            description:
              'Servers (name, endpoint and version) seen for the first time ever within the time range, in a catalog or a tool call, and on how many hosts.',
            sql: `SELECT tenant, server_id, any(server_name) AS server_name, any(server_version) AS server_version, min(time) AS first_seen, max(time) AS last_seen, uniqExact(host_id) AS hosts FROM (SELECT tenant, server_id, server_name, server_version, host_id, time FROM catalog_snapshots FINAL WHERE ${scope('catalog_snapshots')} UNION ALL SELECT tenant, server_id, server_name, server_version, host_id, time FROM tool_calls FINAL WHERE ${scope('tool_calls', ['tenant', 'host', 'server'])}) WHERE server_id != '' GROUP BY tenant, server_id HAVING first_seen >= $__fromTime AND first_seen <= $__toTime ORDER BY first_seen DESC`,
            size: [12, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          table({
            title: 'Lint findings on current catalogs',
            description:
              "Alerts whose evidence is a server's current catalog (its newest snapshot per host): poisoned descriptions, hidden instructions, invisible Unicode, misleading annotations, shadowed tool names. They stay listed until the catalog changes.",
            sql: `SELECT time, severity, rule, tenant, host_id, server_name, tool, summary, runbook, session_id FROM alerts FINAL WHERE ${scope('alerts')} AND status = 'firing' AND fingerprint IN (SELECT fingerprint FROM alerts FINAL ARRAY JOIN evidence_event_ids AS evidence_id WHERE evidence_id IN (${currentCatalogs})) ORDER BY time DESC LIMIT 500`,
            size: [24, 9],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: { severity: severityColours(), session_id: sessionLink(), summary: [width(420)] },
          }),
        ],
      },
    ],
  });
}
