import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { CLICKHOUSE } from './datasource.js';

/**
 * A raw-SQL query of the ClickHouse data source plugin v4 (its `CHSqlQuery`, src/types/sql.ts). The
 * foundation SDK has no ClickHouse query type, so this is the cog builder for one. `queryType` is
 * the plugin's QueryType (src/types/queryBuilder.ts: `table`, `logs`, `timeSeries`, `traces`);
 * `format` is what the plugin maps it to (sqlutil's FormatQueryOption): 0 turns a long result (time,
 * label, value) into one series per label for time-series panels, 1 keeps the table as it is.
 */
export type ResultShape = 'timeSeries' | 'table';

export interface ClickHouseSqlQuery extends Dataquery {
  refId: string;
  datasource: DataSourceRef;
  editorType: 'sql';
  queryType: ResultShape;
  format: 0 | 1;
  rawSql: string;
}

class SqlQuery implements ClickHouseSqlQuery {
  readonly editorType = 'sql';
  readonly datasource = CLICKHOUSE;
  readonly format: 0 | 1;
  constructor(
    readonly refId: string,
    readonly queryType: ResultShape,
    readonly rawSql: string,
  ) {
    this.format = queryType === 'timeSeries' ? 0 : 1;
  }
  _implementsDataqueryVariant(): void {}
}

export function clickhouseQuery(
  rawSql: string,
  shape: ResultShape,
  refId = 'A',
): Builder<ClickHouseSqlQuery> {
  const query = new SqlQuery(refId, shape, rawSql);
  return { build: () => query };
}
