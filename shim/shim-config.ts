import { envInt, envString, type EnvVarSpec } from '../platform/env-config.js';

/** Every environment variable the shim reads, with its default and meaning. */
export const SHIM_ENV = {
  collectorUrl: {
    name: 'MCPTAP_COLLECTOR_URL',
    default: 'http://127.0.0.1:4318',
    description: 'OTLP/HTTP base URL of the mcptap collector (`--collector` wins)',
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
  exportQueueSize: {
    name: 'MCPTAP_EXPORT_QUEUE_SIZE',
    default: '2048',
    description:
      'spans held while the collector is slow or unreachable; beyond it spans are dropped and counted',
  },
} as const satisfies Record<string, EnvVarSpec>;

export interface ShimConfig {
  collectorUrl: string;
  apiKey: string;
  turnIdleMs: number;
  hostId: string;
  exportQueueSize: number;
}

/** Reads and validates the shim's variables; throws ConfigError naming the bad one. */
export function readShimConfig(env: Readonly<Record<string, string | undefined>> = process.env): ShimConfig {
  return {
    collectorUrl: envString(env, SHIM_ENV.collectorUrl),
    apiKey: envString(env, SHIM_ENV.apiKey),
    turnIdleMs: envInt(env, SHIM_ENV.turnIdleMs, 1),
    hostId: envString(env, SHIM_ENV.hostId),
    exportQueueSize: envInt(env, SHIM_ENV.exportQueueSize, 1, 1_000_000),
  };
}
