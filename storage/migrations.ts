import { silentLogger, type Logger } from '../platform/index.js';
import { alterColumnsSql, onCluster, replacingTableSql, storageTable } from './cluster-schema.js';
import { columnDdl } from './columns.js';
import { sqlLiteral } from './sql-literal.js';
import type { Store } from './store.js';
import { tenantReaderStatements, type TenantReader } from './tenant-readers.js';
import {
  SHARDING_KEY,
  STORE_TABLES,
  TABLE_SPECS,
  createTableSql,
  embeddedTablesAlterSql,
  ttlClause,
  type StoreTable,
} from './tables.js';
import { errorMessage } from '../model/index.js';

/**
 * Versioned, idempotent schema migrations recorded in `<db>.schema_migrations`. Each statement is
 * safe to run twice (IF NOT EXISTS, or columns added only where missing), so a migrator killed
 * half-way, or two racing, converge (a racing ADD COLUMN that lost fails, and the next start
 * finds nothing left to add).
 */

interface MigrationContext {
  store: Store;
  retentionDays: Readonly<Record<StoreTable, number>>;
}

interface Migration {
  version: number;
  name: string;
  statements(context: MigrationContext): string[] | Promise<string[]>;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tables for events, prompts and alerts',
    statements: ({ store, retentionDays }) =>
      STORE_TABLES.flatMap((table) =>
        createTableSql(store, TABLE_SPECS[table], store.flavor, retentionDays[table]),
      ),
  },
  {
    version: 2,
    name: 'audit segments (tamper-evident log, audit/)',
    // One row per sealed segment; its checkpoint's fields and signature beside its members and leaves.
    statements: ({ store }) =>
      replacingTableSql(store, {
        name: 'audit_segments',
        body: `tenant String, writer String, seq UInt64, previous String, hash String, count UInt32,
        first_time_ms UInt64, last_time_ms UInt64, members Array(String), leaves Array(String),
        sealed_at_ms UInt64, key_id String, signature String`,
        clauses: 'ORDER BY (tenant, writer, seq)',
        shardingKey: 'sipHash64(tenant, writer)',
      }),
  },
  {
    version: 3,
    name: 'user identity (user_id, team, user_source) on events and alerts',
    statements: ({ store }) => addColumnsSql(store, ['user_id', 'team', 'user_source']),
  },
];

/**
 * ALTER TABLE … ADD COLUMN for the named model fields each table lacks (tables migration 1 created
 * from today's model have them already); rows written before read ''. ClickHouse 18.16 has no
 * ADD COLUMN IF NOT EXISTS, so the columns present (in the table holding the rows) are read first.
 */
async function addColumnsSql(store: Store, names: readonly string[]): Promise<string[]> {
  const present = new Set(
    (
      await rows<{ table: string; name: string }>(
        store,
        `SELECT table, name FROM system.columns WHERE database = ${sqlLiteral(store.database)}`,
      )
    ).map((row) => `${row.table}.${row.name}`),
  );
  return STORE_TABLES.flatMap((table) => {
    const missing = TABLE_SPECS[table].columns.filter(
      (column) => names.includes(column.name) && !present.has(`${storageTable(store, table)}.${column.name}`),
    );
    if (missing.length === 0) return [];
    const actions = missing.flatMap((column) =>
      columnDdl(column, store.flavor).map((ddl) => `ADD COLUMN ${ddl}`),
    );
    return alterColumnsSql(store, table, actions, SHARDING_KEY);
  });
}

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

export interface MigrateOptions {
  retentionDays: Readonly<Record<StoreTable, number>>;
  /** Created with SQL on servers that support it, when a password is given. */
  reader?: { username: string; password: string };
  /** Created or updated with a row policy per table, on servers that support them. */
  tenantReaders?: readonly TenantReader[];
  logger?: Logger;
}

/**
 * What became of the tenant readers: `unsupported` on servers without SQL users and row policies
 * (18.16, whose users.xml has no row filters either), `not-permitted` when the server refused
 * (`reason` says why).
 */
export type TenantReadersOutcome =
  | { status: 'none' | 'created' | 'unsupported'; readers: number }
  | { status: 'not-permitted'; readers: number; reason: string };

export interface MigrateResult {
  applied: number[];
  version: number;
  /** Tables whose TTL was changed to the configured retention (modern servers). */
  retentionChanged: StoreTable[];
  reader: 'created' | 'skipped' | 'not-permitted';
  tenantReaders: TenantReadersOutcome;
}

async function rows<T>(store: Store, query: string): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

export async function migrate(store: Store, options: MigrateOptions): Promise<MigrateResult> {
  const logger = options.logger ?? silentLogger;
  const db = store.database;
  await refuseOtherForm(store);
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}${onCluster(store)}` });
  for (const query of replacingTableSql(store, {
    name: 'schema_migrations',
    body: 'version UInt32, name String, applied_at DateTime',
    clauses: 'ORDER BY version',
    shardingKey: 'version',
  }))
    await store.client.command({ query });
  const done = new Set(
    (await rows<{ version: number }>(store, `SELECT version FROM ${db}.schema_migrations FINAL`)).map((r) =>
      Number(r.version),
    ),
  );
  const applied: number[] = [];
  for (const migration of MIGRATIONS.filter((m) => !done.has(m.version))) {
    for (const statement of await migration.statements({ store, retentionDays: options.retentionDays })) {
      await store.client.command({ query: statement });
    }
    await store.client.insert({
      table: `${db}.schema_migrations`,
      values: [
        { version: migration.version, name: migration.name, applied_at: Math.floor(Date.now() / 1000) },
      ],
      format: 'JSONEachRow',
    });
    applied.push(migration.version);
    logger.info('schema migration applied', {
      database: db,
      version: migration.version,
      name: migration.name,
    });
  }
  if (store.flavor.embeddedTables) await applyEmbeddedTables(store, logger);
  const retentionChanged = store.flavor.modern ? await applyTtl(store, options.retentionDays) : [];
  const reader = await ensureReader(store, options.reader, logger);
  const tenantReaders = await ensureTenantReaders(store, options.tenantReaders ?? [], logger);
  return { applied, version: LATEST_SCHEMA_VERSION, retentionChanged, reader, tenantReaders };
}

/**
 * A database made for one server cannot be migrated as a cluster's, nor the other way round: the
 * tables exist under the names the other form uses, so CREATE … IF NOT EXISTS would skip them and
 * the store would be half one, half the other. Told apart by the engine of schema_migrations.
 */
async function refuseOtherForm(store: Store): Promise<void> {
  const [existing] = await rows<{ engine: string }>(
    store,
    `SELECT engine FROM system.tables WHERE database = ${sqlLiteral(store.database)} AND name = 'schema_migrations'`,
  );
  if (existing === undefined) return;
  const clustered = existing.engine === 'Distributed';
  if (clustered && store.cluster === undefined)
    throw new Error(
      `database ${store.database} holds the clustered schema (Distributed tables): give MCPTAP_CLICKHOUSE_CLUSTER ` +
        `(or migrate --cluster) the cluster's name`,
    );
  if (!clustered && store.cluster !== undefined)
    throw new Error(
      `database ${store.database} holds the single-server schema, not cluster ${store.cluster}'s: migrate the ` +
        `clustered schema into a new database (MCPTAP_CLICKHOUSE_DATABASE) and copy the rows with ` +
        `INSERT INTO new.<table> SELECT * FROM ${store.database}.<table>, or run without --cluster`,
    );
}

/**
 * Brings tables created with the server profile — a data directory of an older `mcptap local` — to
 * the embedded one (see ServerFlavor); tables already there are left alone.
 */
async function applyEmbeddedTables(store: Store, logger: Logger): Promise<void> {
  const db = sqlLiteral(store.database);
  const serverShaped = await rows<{ table: string }>(
    store,
    `SELECT table FROM system.data_skipping_indices WHERE database = ${db}
     UNION DISTINCT
     SELECT table FROM system.columns WHERE database = ${db} AND compression_codec LIKE '%ZSTD%'`,
  );
  const tables = STORE_TABLES.filter((table) => serverShaped.some((row) => row.table === table));
  for (const table of tables) {
    await store.client.command({
      query: embeddedTablesAlterSql(store.database, TABLE_SPECS[table], store.flavor),
    });
  }
  if (tables.length > 0)
    logger.info('tables moved to the embedded profile', { database: store.database, tables });
}

/** Brings each table's TTL to the configured retention, touching only tables where it differs. */
async function applyTtl(
  store: Store,
  retentionDays: Readonly<Record<StoreTable, number>>,
): Promise<StoreTable[]> {
  const current = await rows<{ name: string; engine_full: string }>(
    store,
    `SELECT name, engine_full FROM system.tables WHERE database = ${sqlLiteral(store.database)}`,
  );
  const changed: StoreTable[] = [];
  for (const table of STORE_TABLES) {
    const holder = storageTable(store, table);
    const engine = current.find((row) => row.name === holder)?.engine_full ?? '';
    const days = Number(/TTL .*toIntervalDay\((\d+)\)/.exec(engine)?.[1] ?? 0);
    const wanted = retentionDays[table];
    if (days === wanted) continue;
    const alter = wanted > 0 ? `MODIFY ${ttlClause(wanted)}` : 'REMOVE TTL';
    await store.client.command({
      query: `ALTER TABLE ${store.database}.${holder}${onCluster(store)} ${alter}`,
    });
    changed.push(table);
  }
  return changed;
}

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * On modern servers, the read-only analyst user is SQL-managed. On 18.16 users live in users.xml
 * (scripts/infra.sh defines `mcptap_reader` there), so nothing is done.
 */
async function ensureReader(
  store: Store,
  reader: MigrateOptions['reader'],
  logger: Logger,
): Promise<MigrateResult['reader']> {
  if (!store.flavor.modern || reader === undefined || reader.password === '') return 'skipped';
  if (!USER_NAME.test(reader.username))
    throw new Error(`reader user name '${reader.username}' is not a plain identifier`);
  try {
    await store.client.command({
      query: `CREATE USER IF NOT EXISTS ${reader.username} IDENTIFIED WITH sha256_password BY ${sqlLiteral(reader.password)}`,
    });
    await store.client.command({ query: `GRANT SELECT ON ${store.database}.* TO ${reader.username}` });
    return 'created';
  } catch (error) {
    logger.warn(
      'could not create the read-only user; create it by hand or migrate as a user with ACCESS MANAGEMENT',
      {
        user: reader.username,
        error: errorWithout(error, [reader.password]),
      },
    );
    return 'not-permitted';
  }
}

/** The server's error, without any password it may quote back. */
function errorWithout(error: unknown, secrets: readonly string[]): string {
  let text = errorMessage(error).split('\n')[0]!;
  // As given, and as written into the statement.
  for (const secret of secrets.flatMap((s) => [s, sqlLiteral(s).slice(1, -1)]))
    text = text.split(secret).join('***');
  return text;
}

async function ensureTenantReaders(
  store: Store,
  readers: readonly TenantReader[],
  logger: Logger,
): Promise<TenantReadersOutcome> {
  if (readers.length === 0) return { status: 'none', readers: 0 };
  if (!store.flavor.modern) return { status: 'unsupported', readers: readers.length };
  try {
    for (const reader of readers) {
      for (const query of tenantReaderStatements(store.database, reader))
        await store.client.command({ query });
    }
    logger.info('tenant readers created', {
      readers: readers.map((r) => ({ user: r.username, tenant: r.tenant })),
    });
    return { status: 'created', readers: readers.length };
  } catch (error) {
    const reason = errorWithout(
      error,
      readers.map((r) => r.password),
    );
    logger.warn('could not create the tenant readers', { reason });
    return { status: 'not-permitted', readers: readers.length, reason };
  }
}
