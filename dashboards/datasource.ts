import { DatasourceVariableBuilder, type DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';

/** The official Grafana ClickHouse data source plugin (grafana.com/grafana/plugins/grafana-clickhouse-datasource). */
export const CLICKHOUSE_PLUGIN_ID = 'grafana-clickhouse-datasource';

/** Fixed uid of the provisioned data source (deploy/grafana/provisioning/datasources), so panels find it. */
export const CLICKHOUSE_DATASOURCE_UID = 'mcptap-clickhouse';

/** The dashboard variable every panel and variable query reads its data source from. */
export const DATASOURCE_VARIABLE = 'datasource';

/** The `__inputs` name Grafana's import dialog asks a ClickHouse data source for. */
export const DATASOURCE_INPUT = 'DS_CLICKHOUSE';

export const CLICKHOUSE: DataSourceRef = { type: CLICKHOUSE_PLUGIN_ID, uid: `\${${DATASOURCE_VARIABLE}}` };

/**
 * The data source variable: provisioned, it selects the provisioned data source by uid; imported
 * through the UI (where that uid does not exist), Grafana selects the first ClickHouse data source,
 * and the viewer may pick another.
 */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
    .label('ClickHouse')
    .description('The ClickHouse data source holding the mcptap tables.')
    .type(CLICKHOUSE_PLUGIN_ID)
    .current({ selected: true, text: CLICKHOUSE_DATASOURCE_UID, value: CLICKHOUSE_DATASOURCE_UID });
}

/**
 * What Grafana's "Import dashboard" reads beside the dashboard: the data source to ask for and the
 * plugins needed. Provisioning ignores both.
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
