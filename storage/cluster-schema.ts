/**
 * Where a table's rows live: one ReplacingMergeTree on a single server, or, on a ClickHouse cluster
 * (`mcptap migrate --cluster NAME`, MCPTAP_CLICKHOUSE_CLUSTER), a ReplicatedReplacingMergeTree
 * `<table>_local` on every replica of every shard plus a Distributed table under the table's own
 * name. Everything else reads and writes the plain name, so on a cluster it goes through the
 * Distributed table; DDL is sent ON CLUSTER and the replicas' `{shard}`/`{replica}` macros name each
 * copy in ZooKeeper.
 */

/** What the DDL needs of a store: its database and, on a cluster, the cluster's name. */
export interface TablePlace {
  database: string;
  /** Name of the cluster in the servers' `remote_servers`; undefined on a single server. */
  cluster?: string;
}

const CLUSTER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A cluster name is written into DDL unquoted: a plain identifier only. */
export function isClusterName(name: string): boolean {
  return CLUSTER_NAME.test(name);
}

export function onCluster(place: TablePlace): string {
  return place.cluster === undefined ? '' : ` ON CLUSTER ${place.cluster}`;
}

/** The table that holds a table's rows: itself on a single server, its local replica on a cluster. */
export function storageTable(place: TablePlace, table: string): string {
  return place.cluster === undefined ? table : `${table}_local`;
}

export interface ReplacingTable {
  name: string;
  /** Column (and index) definitions, as inside CREATE TABLE's parentheses. */
  body: string;
  /** PARTITION BY, ORDER BY, TTL… after the engine. */
  clauses: string;
  /**
   * On a cluster, the expression that picks a row's shard. It must only use identity columns, so
   * that a redelivered row lands on the shard of its first copy and collapses with it there.
   */
  shardingKey: string;
}

/** CREATE TABLE statements for a ReplacingMergeTree table, in the form the store's place needs. */
export function replacingTableSql(place: TablePlace, table: ReplacingTable): string[] {
  const { database, cluster } = place;
  if (cluster === undefined) {
    return [
      `CREATE TABLE IF NOT EXISTS ${database}.${table.name} (\n${table.body}\n) ENGINE = ReplacingMergeTree\n${table.clauses}`,
    ];
  }
  const local = storageTable(place, table.name);
  return [
    `CREATE TABLE IF NOT EXISTS ${database}.${local}${onCluster(place)} (\n${table.body}\n) ` +
      `ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/${database}/${table.name}', '{replica}')\n${table.clauses}`,
    distributedTableSql(place, table.name, table.shardingKey),
  ];
}

function distributedTableSql(place: TablePlace, table: string, shardingKey: string): string {
  const { database, cluster } = place;
  return (
    `CREATE TABLE IF NOT EXISTS ${database}.${table}${onCluster(place)} AS ${database}.${storageTable(place, table)} ` +
    `ENGINE = Distributed(${cluster}, ${database}, ${storageTable(place, table)}, ${shardingKey})`
  );
}

/**
 * ALTER TABLE … for a table's columns (ADD/MODIFY/DROP COLUMN). On a cluster the replicated tables
 * are altered ON CLUSTER, and the Distributed table, which holds no rows (inserts through it are
 * synchronous, see openStore) and which ClickHouse 18.16 refuses to ALTER ON CLUSTER over a replicated
 * shard, is created again over the altered columns.
 */
export function alterColumnsSql(
  place: TablePlace,
  table: string,
  actions: readonly string[],
  shardingKey: string,
): string[] {
  const alter = `ALTER TABLE ${place.database}.${storageTable(place, table)}${onCluster(place)} ${actions.join(', ')}`;
  if (place.cluster === undefined) return [alter];
  return [
    alter,
    `DROP TABLE IF EXISTS ${place.database}.${table}${onCluster(place)}`,
    distributedTableSql(place, table, shardingKey),
  ];
}
