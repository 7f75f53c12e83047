export { buildDashboards } from './build.js';
export { dashboardDrift, writeDashboards } from './generated-files.js';
export { CLICKHOUSE_DATASOURCE_UID, CLICKHOUSE_PLUGIN_ID, DATASOURCE_INPUT } from './datasource.js';
export type { ClickHouseSqlQuery } from './clickhouse-query.js';
export { main as dashboardsMain } from './cli.js';
