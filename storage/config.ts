import {
  ConfigError,
  envBool,
  envInt,
  envListen,
  envString,
  type EnvVarSpec,
  type ListenAddress,
} from '../platform/index.js';
import { readFileSync } from 'node:fs';
import { SECRETS_UNMASKED_ENV } from '../secrets/index.js';
import { isClusterName } from './cluster-schema.js';
import { STORE_TABLES, type StoreTable } from './tables.js';
import { parseTenantReaders, type TenantReader } from './tenant-readers.js';
import { errorMessage } from '../model/index.js';

/** Every knob of the store, the sink and the forensics commands, read in one place. */

const DAY = 'days to keep rows; 0 keeps them forever';

export const STORAGE_ENV = {
  url: {
    name: 'MCPTAP_CLICKHOUSE_URL',
    default: 'http://127.0.0.1:18123',
    description: 'ClickHouse HTTP interface',
  },
  user: { name: 'MCPTAP_CLICKHOUSE_USER', default: 'default', description: 'ClickHouse user' },
  password: { name: 'MCPTAP_CLICKHOUSE_PASSWORD', default: '', description: 'ClickHouse password' },
  database: {
    name: 'MCPTAP_CLICKHOUSE_DATABASE',
    default: 'mcptap',
    description: 'database holding the mcptap tables (created by `mcptap migrate`)',
  },
  cluster: {
    name: 'MCPTAP_CLICKHOUSE_CLUSTER',
    default: '',
    description:
      "name of a ClickHouse cluster in the servers' remote_servers: tables are ReplicatedReplacingMergeTree `<table>_local` behind Distributed tables, DDL runs ON CLUSTER (`mcptap migrate --cluster NAME` sets it); empty: one server",
  },
  readerUser: {
    name: 'MCPTAP_CLICKHOUSE_READER_USER',
    default: 'mcptap_reader',
    description: 'read-only user that `mcptap migrate` creates with SQL on servers that support it',
  },
  readerPassword: {
    name: 'MCPTAP_CLICKHOUSE_READER_PASSWORD',
    default: '',
    description: 'password of the read-only user; empty: `migrate` creates no user',
  },
  tenantReaders: {
    name: 'MCPTAP_CLICKHOUSE_TENANT_READERS',
    default: '',
    description:
      "read-only users each shown one tenant's rows, as 'tenant:user:password' entries, comma-separated; `mcptap migrate` creates them with a row policy on every table (servers with SQL access control: not 18.16)",
  },
  tenantReadersFile: {
    name: 'MCPTAP_CLICKHOUSE_TENANT_READERS_FILE',
    default: '',
    description:
      "file of 'tenant:user:password' lines (# comments; a password may hold commas), in addition to MCPTAP_CLICKHOUSE_TENANT_READERS",
  },
  batchRows: {
    name: 'MCPTAP_SINK_BATCH_ROWS',
    default: '5000',
    description: 'most rows the sink writes to ClickHouse in one insert',
  },
  batchBytes: {
    name: 'MCPTAP_SINK_BATCH_BYTES',
    default: '4194304',
    description: 'most bytes the sink fetches per partition for one batch',
  },
  batchWaitMs: {
    name: 'MCPTAP_SINK_BATCH_WAIT_MS',
    default: '1000',
    description: 'longest the sink waits to fill a batch before writing what it has',
  },
  groupId: {
    name: 'MCPTAP_SINK_GROUP_ID',
    default: 'mcptap-sink',
    description: 'Kafka consumer group of the sink',
  },
  retryMaxMs: {
    name: 'MCPTAP_SINK_RETRY_MAX_MS',
    default: '10000',
    description: 'longest pause between retries while ClickHouse is unavailable',
  },
  metricsListen: {
    name: 'MCPTAP_SINK_METRICS_LISTEN',
    default: '127.0.0.1:9465',
    description:
      "host:port of the sink's /metrics, /healthz and /readyz (503 while writes fail); `off` for none; if the address is taken, the sink runs without them and logs an error",
  },
  retentionIntervalS: {
    name: 'MCPTAP_SINK_RETENTION_INTERVAL_S',
    default: '3600',
    description: 'how often the sink drops expired partitions on servers without TTL; 0 never',
  },
  unmasked: SECRETS_UNMASKED_ENV,
} satisfies Record<string, EnvVarSpec>;

const DEFAULT_RETENTION_DAYS: Record<StoreTable, number> = {
  tool_calls: 90,
  content_reads: 90,
  catalog_snapshots: 365,
  egress_events: 180,
  turns: 90,
  assistant_outputs: 90,
  prompt_logs: 30,
  alerts: 365,
};

export const RETENTION_ENV: Record<StoreTable, EnvVarSpec> = Object.fromEntries(
  STORE_TABLES.map((table) => [
    table,
    {
      name: `MCPTAP_RETENTION_DAYS_${table.toUpperCase()}`,
      default: String(DEFAULT_RETENTION_DAYS[table]),
      description: `${table}: ${DAY}`,
    },
  ]),
) as Record<StoreTable, EnvVarSpec>;

/** The whole table, for the README's configuration reference. */
export const ALL_STORAGE_ENV: readonly EnvVarSpec[] = [
  ...Object.values(STORAGE_ENV),
  ...Object.values(RETENTION_ENV),
];

export interface ClickHouseSettings {
  url: string;
  username: string;
  password: string;
  database: string;
  /** Absent on a single server. */
  cluster?: string;
}

export interface StorageSettings {
  clickhouse: ClickHouseSettings;
  reader: { username: string; password: string };
  tenantReaders: TenantReader[];
  batchRows: number;
  batchBytes: number;
  batchWaitMs: number;
  groupId: string;
  retryMaxMs: number;
  metricsListen: ListenAddress | null;
  retentionIntervalS: number;
  retentionDays: Record<StoreTable, number>;
  maskSecrets: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

function tenantReadersFromEnv(env: Env): TenantReader[] {
  const { tenantReaders, tenantReadersFile } = STORAGE_ENV;
  const path = envString(env, tenantReadersFile);
  let fileText = '';
  if (path !== '') {
    try {
      fileText = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`${tenantReadersFile.name}=${path}: cannot read it (${errorMessage(error)})`);
    }
  }
  const readers = [
    ...parseTenantReaders(envString(env, tenantReaders), tenantReaders.name, /[\n,]/),
    ...parseTenantReaders(fileText, path, /\n/),
  ];
  const twice = readers.find((r, i) => readers.findIndex((o) => o.username === r.username) !== i);
  if (twice !== undefined) {
    throw new ConfigError(
      `tenant reader '${twice.username}' is given in both ${tenantReaders.name} and ${tenantReadersFile.name}`,
    );
  }
  return readers;
}

function clusterFromEnv(env: Env): { cluster?: string } {
  const name = envString(env, STORAGE_ENV.cluster);
  if (name === '') return {};
  if (!isClusterName(name))
    throw new ConfigError(
      `${STORAGE_ENV.cluster.name}=${JSON.stringify(name)}: expected a cluster name (letters, digits, _)`,
    );
  return { cluster: name };
}

export function storageSettingsFromEnv(env: Env = process.env): StorageSettings {
  const database = envString(env, STORAGE_ENV.database);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(database)) {
    throw new ConfigError(
      `${STORAGE_ENV.database.name}=${JSON.stringify(database)}: expected a plain identifier (letters, digits, _)`,
    );
  }
  const url = envString(env, STORAGE_ENV.url);
  if (!URL.canParse(url)) throw new ConfigError(`${STORAGE_ENV.url.name}=${JSON.stringify(url)}: not a URL`);
  const tenantReaders = tenantReadersFromEnv(env);
  const sharedName = tenantReaders.find((r) =>
    [envString(env, STORAGE_ENV.user), envString(env, STORAGE_ENV.readerUser)].includes(r.username),
  );
  if (sharedName !== undefined) {
    throw new ConfigError(
      `tenant reader '${sharedName.username}' is also ${STORAGE_ENV.user.name} or ${STORAGE_ENV.readerUser.name}: ` +
        'a tenant reader sees one tenant only, so give it a name of its own',
    );
  }
  const retentionDays = Object.fromEntries(
    STORE_TABLES.map((table) => [table, envInt(env, RETENTION_ENV[table], 0, 36500)]),
  ) as Record<StoreTable, number>;
  return {
    clickhouse: {
      url,
      username: envString(env, STORAGE_ENV.user),
      password: envString(env, STORAGE_ENV.password),
      database,
      ...clusterFromEnv(env),
    },
    reader: {
      username: envString(env, STORAGE_ENV.readerUser),
      password: envString(env, STORAGE_ENV.readerPassword),
    },
    tenantReaders,
    batchRows: envInt(env, STORAGE_ENV.batchRows, 1, 1_000_000),
    batchBytes: envInt(env, STORAGE_ENV.batchBytes, 1024, 1 << 30),
    batchWaitMs: envInt(env, STORAGE_ENV.batchWaitMs, 0, 600_000),
    groupId: envString(env, STORAGE_ENV.groupId),
    retryMaxMs: envInt(env, STORAGE_ENV.retryMaxMs, 100, 600_000),
    metricsListen: envListen(env, STORAGE_ENV.metricsListen),
    retentionIntervalS: envInt(env, STORAGE_ENV.retentionIntervalS, 0, 86_400 * 30),
    retentionDays,
    maskSecrets: !envBool(env, STORAGE_ENV.unmasked),
  };
}
