export { buildDashboards, dashboardJson, type DashboardFile } from './build.js';
export { dashboardDrift, writeDashboards, type Drift } from './generated-files.js';
export {
  CLICKHOUSE_DATASOURCE_UID,
  CLICKHOUSE_PLUGIN_ID,
  DATASOURCE_INPUT,
  DATASOURCE_VARIABLE,
} from './datasource.js';
export type { ClickHouseSqlQuery } from './clickhouse-query.js';
