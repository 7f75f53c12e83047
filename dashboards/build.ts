import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alertsDashboard } from './alerts.js';
import { catalogChangesDashboard } from './catalog-changes.js';
import { IMPORT_HEADER } from './datasource.js';
import { egressDashboard } from './egress.js';
import { overviewDashboard } from './overview.js';
import { sessionForensicsDashboard } from './session-forensics.js';
import { toolCallsDashboard } from './tool-calls.js';

export interface DashboardFile {
  /** File name in dashboards/generated/. */
  name: string;
  dashboard: Dashboard;
}

/** Every mcptap dashboard, as Grafana's provisioning reads it. */
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

/**
 * The file text: the import header (`__inputs`, `__requires`) then the dashboard in key order as
 * built, two-space indent, trailing newline (what is committed). One file serves provisioning and
 * Grafana's "Import dashboard".
 */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify({ ...IMPORT_HEADER, ...dashboard }, null, 2)}\n`;
}
