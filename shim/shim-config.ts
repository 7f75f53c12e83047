import { envInt, envString, type EnvVarSpec } from '../platform/env-config.js';
import { defaultDataDir } from './local-endpoint.js';

/** Every environment variable the shim reads, with its default and meaning. */
export const SHIM_ENV = {
  collectorUrl: {
    name: 'MCPTAP_COLLECTOR_URL',
    default: 'http://127.0.0.1:4318',
    description:
      'OTLP/HTTP base URL of the mcptap collector (`--collector` wins); with neither it nor MCPTAP_API_KEY set, the proxy sends to `mcptap local`',
  },
  apiKey: {
    name: 'MCPTAP_API_KEY',
    default: '',
    description: 'API key sent as `x-mcptap-api-key`; the collector derives the tenant from it',
  },
  turnIdleMs: {
    name: 'MCPTAP_TURN_IDLE_MS',
    default: '30000',
    description: 'proxy: a gap this long (ms) between messages starts a new inferred user turn',
  },
  hostId: {
    name: 'MCPTAP_HOST_ID',
    default: '',
    description: 'id of this installation in events (default: the machine host name)',
  },
  userId: {
    name: 'MCPTAP_USER_ID',
    default: '',
    description:
      'proxy: the user (or agent / service principal) its calls are made for (`--user` wins; default: the OS user running the proxy). Asserted by the host, not authenticated: the tenant comes from the API key',
  },
  team: {
    name: 'MCPTAP_TEAM',
    default: '',
    description: "proxy: the user's team (`--team` wins)",
  },
  exportQueueSize: {
    name: 'MCPTAP_EXPORT_QUEUE_SIZE',
    default: '2048',
    description:
      'spans held while the collector is slow or unreachable; beyond it spans are dropped and counted',
  },
  dataDir: {
    name: 'MCPTAP_DATA_DIR',
    default: '',
    description:
      'data directory of `mcptap local`, whose endpoint and API key the proxy and startMcptap() use when no collector is configured (default $XDG_DATA_HOME/mcptap or ~/.local/share/mcptap)',
  },
} as const satisfies Record<string, EnvVarSpec>;

export interface ShimConfig {
  collectorUrl: string;
  apiKey: string;
  turnIdleMs: number;
  hostId: string;
  userId: string;
  team: string;
  exportQueueSize: number;
  /** A collector URL or API key was set: send there, not to `mcptap local`. */
  collectorConfigured: boolean;
  dataDir: string;
}

/** Reads and validates the shim's variables; throws ConfigError naming the bad one. */
export function readShimConfig(env: Readonly<Record<string, string | undefined>> = process.env): ShimConfig {
  return {
    collectorUrl: envString(env, SHIM_ENV.collectorUrl),
    apiKey: envString(env, SHIM_ENV.apiKey),
    turnIdleMs: envInt(env, SHIM_ENV.turnIdleMs, 1),
    hostId: envString(env, SHIM_ENV.hostId),
    userId: envString(env, SHIM_ENV.userId),
    team: envString(env, SHIM_ENV.team),
    exportQueueSize: envInt(env, SHIM_ENV.exportQueueSize, 1, 1_000_000),
    collectorConfigured: Boolean(env[SHIM_ENV.collectorUrl.name] || env[SHIM_ENV.apiKey.name]),
    dataDir: envString(env, SHIM_ENV.dataDir) || defaultDataDir(env),
  };
}
