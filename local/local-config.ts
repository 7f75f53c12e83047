import { ALERT_LINK_ENV, RULES_ENV, SERVER_POLICY_ENV } from '../detectors/index.js';
import {
  envInt,
  envListen,
  envString,
  parseListen,
  type EnvVarSpec,
  type ListenAddress,
} from '../platform/index.js';
import { SECRETS_UNMASKED_ENV } from '../secrets/index.js';
import { LOCAL_DEFAULT_LISTEN, SHIM_ENV } from '../shim/index.js';

/** Every knob of `mcptap local`, read once at start-up; command-line flags win. */
export const LOCAL_ENV = {
  listen: {
    name: 'MCPTAP_LOCAL_LISTEN',
    default: LOCAL_DEFAULT_LISTEN,
    description:
      'host:port of the OTLP/HTTP endpoint (POST /v1/traces); keep it on loopback (port 0: any free port)',
  },
  queueEvents: {
    name: 'MCPTAP_LOCAL_QUEUE_EVENTS',
    default: '20000',
    description:
      'events held between the endpoint and the store; a full queue slows senders, then answers 503',
  },
  queueBytes: {
    name: 'MCPTAP_LOCAL_QUEUE_BYTES',
    default: '67108864',
    description: 'bytes of events held between the endpoint and the store',
  },
  enqueueTimeoutMs: {
    name: 'MCPTAP_LOCAL_ENQUEUE_TIMEOUT_MS',
    default: '2000',
    description: 'how long a request waits for room in a full queue before it is answered 503 + Retry-After',
  },
  batchEvents: {
    name: 'MCPTAP_LOCAL_BATCH_EVENTS',
    default: '5000',
    description: 'most events written to the store in one insert',
  },
  alertmanagerUrl: {
    name: 'MCPTAP_ALERTMANAGER_URL',
    default: '',
    description: 'Alertmanager base URL to post alerts to (local mode: none unless given)',
  },
  webhookUrl: {
    name: 'MCPTAP_ALERT_WEBHOOK_URL',
    default: '',
    description: 'URL to POST new and resolved alerts to as JSON `{"source":"mcptap","alerts":[…]}`',
  },
  ocsfWebhookUrl: {
    name: 'MCPTAP_OCSF_WEBHOOK_URL',
    default: '',
    description:
      'URL to POST new and resolved alerts to as a JSON array of OCSF 1.3.0 Detection Findings (class 2004), for a SIEM',
  },
  alertResendMs: {
    name: 'MCPTAP_ALERT_RESEND_MS',
    default: '60000',
    description: 'active alerts are re-posted to Alertmanager this often',
  },
  tickMs: {
    name: 'MCPTAP_LOCAL_TICK_MS',
    default: '5000',
    description: 'how often alerts are checked for resolution and re-posting',
  },
  statusEveryS: {
    name: 'MCPTAP_LOCAL_STATUS_S',
    default: '30',
    description: 'print the status line this often when it changed (0: never)',
  },
  consoleListen: {
    name: 'MCPTAP_LOCAL_CONSOLE_LISTEN',
    default: '127.0.0.1:4319',
    description:
      'host:port of the read-only forensic console (web page and /api/); `off` for none; it has no login, so keep it on loopback; if the address is taken, local runs without it and logs an error',
  },
  engineMemoryMb: {
    name: 'MCPTAP_LOCAL_ENGINE_MEMORY_MB',
    default: '1024',
    description:
      "most memory embedded ClickHouse may hold, in MiB (its max_server_memory_usage; ClickHouse's default is 90 % of the machine's memory): a query or insert beyond it fails, and the insert is retried",
  },
  engineCacheMb: {
    name: 'MCPTAP_LOCAL_ENGINE_CACHE_MB',
    default: '32',
    description:
      "size in MiB of each of embedded ClickHouse's mark, primary-index and skip-index caches, which reads fill and keep (ClickHouse's default: 5 GiB each)",
  },
  engineMergeThreads: {
    name: 'MCPTAP_LOCAL_ENGINE_MERGE_THREADS',
    default: '2',
    description:
      "threads of embedded ClickHouse's background pool, which merges stored parts (background_pool_size; each merge holds its own buffers)",
  },
} satisfies Record<string, EnvVarSpec>;

/** For `--help` and the docs: the data directory, local's own knobs, the rule file. */
export const LOCAL_ENV_TABLE: readonly EnvVarSpec[] = [
  SHIM_ENV.dataDir,
  ...Object.values(LOCAL_ENV),
  RULES_ENV,
  SERVER_POLICY_ENV,
  { ...ALERT_LINK_ENV.consoleUrl, default: 'http://$MCPTAP_LOCAL_CONSOLE_LISTEN' },
  ALERT_LINK_ENV.runbookUrl,
  SECRETS_UNMASKED_ENV,
];

export interface QueueSettings {
  maxEvents: number;
  maxBytes: number;
  enqueueTimeoutMs: number;
  batchEvents: number;
}

export interface LocalSettings {
  listen: string;
  queue: QueueSettings;
  alertmanagerUrl: string;
  webhookUrl: string;
  ocsfWebhookUrl: string;
  alertResendMs: number;
  tickIntervalMs: number;
  statusEveryS: number;
  rulesPath: string;
  /** null: no console. */
  consoleListen: ListenAddress | null;
  engine: EngineSettings;
}

/** What embedded ClickHouse may hold (see LOCAL_ENV.engine*): given when the process's engine starts. */
export interface EngineSettings {
  memoryMb: number;
  cacheMb: number;
  mergeThreads: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function engineSettingsFromEnv(env: Env = process.env): EngineSettings {
  const e = LOCAL_ENV;
  return {
    memoryMb: envInt(env, e.engineMemoryMb, 128, 1_048_576),
    cacheMb: envInt(env, e.engineCacheMb, 1, 65_536),
    mergeThreads: envInt(env, e.engineMergeThreads, 1, 256),
  };
}

/** The engine's start-up arguments (clickhouse-local's command-line form) for these settings. */
export function engineArgs(settings: EngineSettings): string[] {
  const MiB = 1024 * 1024;
  const cache = settings.cacheMb * MiB;
  return [
    `--max_server_memory_usage=${settings.memoryMb * MiB}`,
    `--mark_cache_size=${cache}`,
    `--primary_index_cache_size=${cache}`,
    `--index_mark_cache_size=${cache}`,
    `--background_pool_size=${settings.mergeThreads}`,
  ];
}

export function localSettingsFromEnv(env: Env = process.env): LocalSettings {
  const e = LOCAL_ENV;
  const listen = envString(env, e.listen);
  parseListen(listen, e.listen.name);
  return {
    listen,
    queue: {
      maxEvents: envInt(env, e.queueEvents, 100, 10_000_000),
      maxBytes: envInt(env, e.queueBytes, 1 << 20, 2 ** 31),
      enqueueTimeoutMs: envInt(env, e.enqueueTimeoutMs, 0, 600_000),
      batchEvents: envInt(env, e.batchEvents, 1, 1_000_000),
    },
    alertmanagerUrl: envString(env, e.alertmanagerUrl),
    webhookUrl: envString(env, e.webhookUrl),
    ocsfWebhookUrl: envString(env, e.ocsfWebhookUrl),
    alertResendMs: envInt(env, e.alertResendMs, 1000),
    tickIntervalMs: envInt(env, e.tickMs, 100, 3_600_000),
    statusEveryS: envInt(env, e.statusEveryS, 0, 86_400),
    rulesPath: envString(env, RULES_ENV),
    consoleListen: envListen(env, e.consoleListen),
    engine: engineSettingsFromEnv(env),
  };
}
