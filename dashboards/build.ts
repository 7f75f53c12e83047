import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alertsDashboard } from './alerts.js';
import { catalogChangesDashboard } from './catalog-changes.js';
import { CLICKHOUSE, CLICKHOUSE_DATASOURCE_UID, IMPORT_HEADER } from './datasource.js';
import { egressDashboard } from './egress.js';
import { overviewDashboard } from './overview.js';
import { sessionForensicsDashboard } from './session-forensics.js';
import { toolCallsDashboard } from './tool-calls.js';

export interface DashboardFile {
  /** File name in dashboards/generated/ and dashboards/import/. */
  name: string;
  dashboard: Dashboard;
}

/** Every mcptap dashboard. */
export function buildDashboards(): DashboardFile[] {
  return [
    { name: 'overview.json', dashboard: overviewDashboard() },
    { name: 'tool-calls.json', dashboard: toolCallsDashboard() },
    { name: 'catalog-changes.json', dashboard: catalogChangesDashboard() },
    { name: 'egress.json', dashboard: egressDashboard() },
    { name: 'alerts.json', dashboard: alertsDashboard() },
    { name: 'session-forensics.json', dashboard: sessionForensicsDashboard() },
  ];
}

/** Two-space indent and a trailing newline: what is committed. */
function fileText(value: unknown, replacer?: (key: string, value: unknown) => unknown): string {
  return `${JSON.stringify(value, replacer, 2)}\n`;
}

/**
 * The file Grafana's "Import dashboard" reads: the import header (`__inputs`, `__requires`), then
 * the dashboard with every data source reference still the input's placeholder, which the import
 * dialog replaces with the data source the user picks.
 */
export function importJson(dashboard: Dashboard): string {
  return fileText({ ...IMPORT_HEADER, ...dashboard });
}

/**
 * The file provisioning loads: no import header (provisioning neither reads `__inputs` nor
 * expands the placeholder), every data source reference the provisioned data source's uid.
 */
export function provisionedJson(dashboard: Dashboard): string {
  return fileText(dashboard, (_key, value) => (value === CLICKHOUSE.uid ? CLICKHOUSE_DATASOURCE_UID : value));
}
