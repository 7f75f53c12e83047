import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';

/** The official Grafana ClickHouse data source plugin (grafana.com/grafana/plugins/grafana-clickhouse-datasource). */
export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/** Fixed uid of the provisioned data source (deploy/grafana/provisioning/datasources), so panels find it. */
export const CLICKHOUSE_DATASOURCE_UID = 'mcptap-clickhouse';

/** The `__inputs` name Grafana's import dialog asks a ClickHouse data source for. */
export const DATASOURCE_INPUT = 'DS_CLICKHOUSE';

/**
 * What every panel, query and variable query reads from: the import input's placeholder, which
 * Grafana's import dialog replaces with the data source the user picks. The provisioned files carry
 * the provisioned uid in its place (see build.ts), since provisioning does not expand `__inputs`.
 */
export const CLICKHOUSE: DataSourceRef = { type: CLICKHOUSE_PLUGIN_ID, uid: `\${${DATASOURCE_INPUT}}` };

/**
 * What Grafana's "Import dashboard" reads beside the dashboard: the data source to ask for and the
 * plugins needed.
 */
export const IMPORT_HEADER = {
  __inputs: [
    {
      name: DATASOURCE_INPUT,
      label: 'ClickHouse',
      description: 'The ClickHouse data source holding the mcptap tables',
      type: 'datasource',
      pluginId: CLICKHOUSE_PLUGIN_ID,
      pluginName: 'ClickHouse',
    },
  ],
  __requires: [
    { type: 'grafana', id: 'grafana', name: 'Grafana', version: '11.6.0' },
    { type: 'datasource', id: CLICKHOUSE_PLUGIN_ID, name: 'ClickHouse', version: '4.0.0' },
  ],
} as const;
