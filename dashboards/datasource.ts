import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';

/** The official Grafana ClickHouse data source plugin (grafana.com/grafana/plugins/grafana-clickhouse-datasource). */
export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/** Fixed uid of the provisioned data source (deploy/grafana/provisioning/datasources), so panels find it. */
export const CLICKHOUSE_DATASOURCE_UID = 'mcptap-clickhouse';

export const CLICKHOUSE: DataSourceRef = { type: CLICKHOUSE_PLUGIN_ID, uid: CLICKHOUSE_DATASOURCE_UID };
