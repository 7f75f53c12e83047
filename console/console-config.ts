import { AUDIT_ENV } from '../audit/index.js';
import { ConfigError, envListen, KAFKA_ENV, type EnvVarSpec, type ListenAddress } from '../platform/index.js';
import { STORAGE_ENV, storageSettingsFromEnv, type ClickHouseSettings } from '../storage/index.js';

/** `mcptap console`: its own address; the store is the ClickHouse server, read as the read-only user. */
export const CONSOLE_ENV = {
  listen: {
    name: 'MCPTAP_CONSOLE_LISTEN',
    default: '127.0.0.1:4319',
    description:
      'host:port of `mcptap console` (web page and /api/, read-only); it has no login: on another address, put it behind your own access control',
  },
} satisfies Record<string, EnvVarSpec>;

/**
 * For `--help` and the docs: the console's address, the store it reads, and what the audit view
 * verifies the store against (the audit public key, the checkpoint file, the audit topic).
 */
export const CONSOLE_ENV_TABLE: readonly EnvVarSpec[] = [
  CONSOLE_ENV.listen,
  STORAGE_ENV.url,
  STORAGE_ENV.database,
  STORAGE_ENV.readerUser,
  STORAGE_ENV.readerPassword,
  AUDIT_ENV.publicKeyFile,
  AUDIT_ENV.checkpointFile,
  ...KAFKA_ENV.filter((spec) => spec.name === 'MCPTAP_KAFKA_BROKERS' || spec.name === 'MCPTAP_TOPIC_PREFIX'),
];

export interface ConsoleSettings {
  listen: ListenAddress;
  /** The read-only user's connection. */
  clickhouse: ClickHouseSettings;
}

type Env = Readonly<Record<string, string | undefined>>;

export function consoleSettingsFromEnv(env: Env = process.env): ConsoleSettings {
  const listen = envListen(env, CONSOLE_ENV.listen);
  if (listen === null)
    throw new ConfigError(`${CONSOLE_ENV.listen.name}=off: the console has nothing else to do`);
  const storage = storageSettingsFromEnv(env);
  return {
    listen,
    clickhouse: {
      ...storage.clickhouse,
      username: storage.reader.username,
      password: storage.reader.password,
    },
  };
}
