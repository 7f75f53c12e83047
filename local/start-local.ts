import { existsSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  apiKeyEntry,
  COLLECTOR_ENV,
  receiverConfigFromEnv,
  startCollector,
  type ReceiverConfig,
  type RunningCollector,
} from '../collector/index.js';
import {
  AlertNotifier,
  AlertPoster,
  AlertWebhook,
  type AlertLinks,
  type AlertTarget,
  createDetectorEngine,
  MemoryStateStore,
  rulesFromEnv,
  watchRules,
  type DetectorRules,
} from '../detectors/index.js';
import type { Alert } from '../model/index.js';
import { parseListen, silentLogger, type ListenAddress, type Logger } from '../platform/index.js';
import {
  localApiKey,
  localEndpointPath,
  LOCAL_DEFAULT_LISTEN,
  LOCAL_TENANT,
  writeLocalEndpoint,
} from '../shim/index.js';
import { startConsole } from '../console/index.js';
import { migrate, openEmbeddedStore, storageSettingsFromEnv, type Store } from '../storage/index.js';
import { BoundedEventStream } from './bounded-stream.js';
import { startControlServer, type ControlServer } from './control-server.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { DetectorStateTable } from './detector-state-table.js';
import {
  engineArgs,
  engineSettingsFromEnv,
  type EngineSettings,
  type QueueSettings,
} from './local-config.js';
import { LocalPipeline, type Detected } from './local-pipeline.js';
import { storeQueries, storedTotals, type StoredTotals } from './local-queries.js';
import { LocalStats, type LocalStatsSnapshot } from './local-stats.js';
import { StoreThread } from './store-thread.js';
import {
  auditSettingsFromEnv,
  auditWriterSettings,
  localVerifySources,
  sealingDescription,
  signingKeyFor,
} from '../audit/index.js';

/**
 * The embedded mode in one call: the collector's OTLP/HTTP receiver on loopback, an in-process
 * bounded stream in place of Kafka, every detector (the engine replay and the Kafka runtime run),
 * and the store on embedded ClickHouse — schema, writer and queries shared with the full stack.
 */

export interface LocalOptions {
  /** Holds the store, detector state, the API key and the lock; created when missing. */
  dataDir: string;
  /** host:port of the OTLP/HTTP endpoint (default 127.0.0.1:4318; port 0: any free port). */
  listen?: string;
  /**
   * The rule file (default: MCPTAP_DETECTOR_RULES, else the shipped rules); it and the server policy
   * (MCPTAP_SERVER_POLICY, else the rule file's) are reloaded on SIGHUP and on change.
   */
  rulesPath?: string;
  /** Rules already loaded (tests), kept as they are; wins over `rulesPath`. */
  rules?: DetectorRules;
  alertmanagerUrl?: string;
  /** Console and runbook links in what Alertmanager receives (none by default). */
  alertLinks?: AlertLinks;
  webhookUrl?: string;
  /** Alerts as OCSF Detection Findings (a JSON array) are POSTed here. */
  ocsfWebhookUrl?: string;
  /** Every alert as it fires or resolves. */
  onAlert?: (alert: Alert) => void;
  /** Tenant of the data directory's API key (default `local`). */
  tenant?: string;
  queue?: Partial<QueueSettings>;
  tickIntervalMs?: number;
  alertResendMs?: number;
  logger?: Logger;
  /** Environment for the collector's caps and masking, and the store's retention. */
  env?: Readonly<Record<string, string | undefined>>;
  /** What embedded ClickHouse may hold (default: from `env`, see LOCAL_ENV). */
  engine?: EngineSettings;
  /** Address of the forensic console (console/); none when omitted or null. */
  consoleListen?: ListenAddress | null;
}

export interface LocalStatus {
  pid: number;
  data_dir: string;
  url: string;
  since_start: LocalStatsSnapshot;
  stored: StoredTotals;
  queue: { events: number; bytes: number };
}

export interface RunningLocal {
  /** OTLP/HTTP base URL; exporters post to `${url}/v1/traces` with `x-mcptap-api-key: apiKey`. */
  url: string;
  apiKey: string;
  tenant: string;
  /** Base URL of the status and query API. */
  controlUrl: string;
  /** The embedded store (read it with the storage queries). */
  store: Store;
  /** Base URL of the forensic console, when it runs. */
  consoleUrl?: string;
  stats(): LocalStatsSnapshot;
  status(): Promise<LocalStatus>;
  /** Resolves when every event accepted so far is stored. */
  idle(): Promise<void>;
  /** Stops accepting, stores what is queued, delivers pending alerts, releases the directory. */
  close(): Promise<void>;
}

export const LOCAL_DATABASE = 'mcptap';
export const DEFAULT_QUEUE: QueueSettings = {
  maxEvents: 20_000,
  maxBytes: 64 << 20,
  enqueueTimeoutMs: 2000,
  batchEvents: 5000,
};

/** The embedded ClickHouse of a data directory (chdb allows one directory per process). */
export function storeDir(dataDir: string): string {
  return join(dataDir, 'clickhouse');
}

/** Opens the data directory's store for reading while no `mcptap local` runs on it. */
export async function openLocalStore(
  dataDir: string,
  purpose: string,
): Promise<{ store: Store; close(): Promise<void> } | undefined> {
  const lock = lockDataDir(dataDir, purpose);
  if (!existsSync(join(storeDir(dataDir), 'metadata', LOCAL_DATABASE + '.sql'))) {
    lock.release();
    return undefined;
  }
  try {
    const store = await openEmbeddedStore(storeDir(dataDir), LOCAL_DATABASE);
    return {
      store,
      close: async () => {
        await store.client.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** The receiver of one developer's own host on loopback: the queue bound is the only limit. */
function receiverConfig(
  listen: ListenAddress,
  apiKey: string,
  tenant: string,
  env: Readonly<Record<string, string | undefined>>,
): ReceiverConfig {
  const config = receiverConfigFromEnv(env, { listen, apiKeys: [apiKeyEntry(tenant, apiKey)] });
  return {
    ...config,
    rateLimit: { spansPerSecond: 0, burst: config.rateLimit.burst },
    forwardRawSpans: false,
    publishTimeoutMs: env[COLLECTOR_ENV.publishTimeoutMs.name] ? config.publishTimeoutMs : 30_000,
  };
}

export async function startLocal(options: LocalOptions): Promise<RunningLocal> {
  const dataDir = resolve(options.dataDir);
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const tenant = options.tenant ?? LOCAL_TENANT;
  const listen = options.listen ?? LOCAL_DEFAULT_LISTEN;
  const listenAt = parseListen(listen, '--listen');
  const queue = { ...DEFAULT_QUEUE, ...options.queue };
  const storage = storageSettingsFromEnv(env);
  const rules = options.rules ?? rulesFromEnv(options.rulesPath, env);

  const lock: DataDirLock = lockDataDir(dataDir);
  const cleanups: Array<() => Promise<void> | void> = [() => lock.release()];
  const unwind = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const apiKey = localApiKey(dataDir);
    // The first connection of the process: it starts the engine with local's limits, which the
    // store thread's connection then shares.
    const store = await openEmbeddedStore(storeDir(dataDir), LOCAL_DATABASE, {
      embeddedTables: true,
      engineArgs: engineArgs(options.engine ?? engineSettingsFromEnv(env)),
    });
    cleanups.push(() => store.client.close());
    // The store thread boots (its modules and chdb session) while this thread migrates and loads state.
    const audit = auditWriterSettings(auditSettingsFromEnv(env), { localDataDir: dataDir });
    // A missing key is made, an unreadable one fails the start; the store thread seals with it.
    if (audit) logger.info('stored rows are sealed', sealingDescription(audit, signingKeyFor(audit)));
    const threadStarting = StoreThread.start({
      storeDir: storeDir(dataDir),
      database: LOCAL_DATABASE,
      audit,
    });
    const threadStarted = threadStarting.catch(() => undefined);
    cleanups.push(async () => (await threadStarted)?.close());
    await migrate(store, { retentionDays: storage.retentionDays, logger });
    const stateTable = new DetectorStateTable(store);
    await stateTable.create();
    await stateTable.compact();
    const state = new MemoryStateStore();
    const engine = createDetectorEngine(rules, state);
    const restored = await stateTable.load(
      (key, value) => state.restore(key, value),
      (key, value) => engine.isValidState(key, value),
    );
    const storeThread = await threadStarting;

    const targets: AlertTarget[] = [];
    if (options.alertmanagerUrl) {
      targets.push(
        new AlertNotifier({
          alertmanagerUrl: options.alertmanagerUrl,
          resendIntervalMs: options.alertResendMs ?? 60_000,
          links: options.alertLinks,
          logger,
        }),
      );
    }
    if (options.webhookUrl) targets.push(new AlertWebhook(options.webhookUrl, 'mcptap', logger));
    if (options.ocsfWebhookUrl) targets.push(new AlertWebhook(options.ocsfWebhookUrl, 'ocsf', logger));
    const poster = new AlertPoster(targets, { activeAlerts: () => engine.activeAlerts(), logger });

    const stats = new LocalStats();
    const pipeline = new LocalPipeline({
      engine,
      state,
      prepareRecords: (events, alerts) => storeThread.prepare(events, alerts),
      writeRecords: (prepared) => storeThread.write(prepared),
      stateRows: (changes) => stateTable.rows(changes),
      writeState: (rows) => stateTable.write(rows),
      stats,
      onAlert: (alert) => {
        options.onAlert?.(alert);
        poster.post([alert]);
      },
    });
    const stream = new BoundedEventStream<Detected>({
      maxItems: queue.maxEvents,
      maxBytes: queue.maxBytes,
      enqueueTimeoutMs: queue.enqueueTimeoutMs,
      maxBatch: queue.batchEvents,
      accept: (items) => pipeline.accept(items),
      consume: (batch) => pipeline.store(batch),
    });

    const collector: RunningCollector = await startCollector(receiverConfig(listenAt, apiKey, tenant, env), {
      publisher: stream,
      logger,
    });
    cleanups.push(async () => {
      await collector.close();
      await stream.close();
      if (!(await pipeline.flushPending())) {
        logger.error('some alerts or detector state could not be stored before shutdown');
      }
      await poster.flush();
      poster.stop();
    });

    const status = async (): Promise<LocalStatus> => ({
      pid: process.pid,
      data_dir: dataDir,
      url: collector.url,
      since_start: stats.snapshot(),
      stored: await storedTotals(store),
      queue: { events: stream.depth, bytes: stream.bytes },
    });
    const control: ControlServer = await startControlServer({
      host: listenAt.host,
      port: 0,
      apiKey,
      queries: storeQueries(store),
      status,
      onProxyHeartbeat: (beat) => stats.proxyHeartbeat(beat),
      logger,
    });
    cleanups.push(() => control.close());
    if (options.rules === undefined) {
      const rulesWatch = watchRules({
        load: () => rulesFromEnv(options.rulesPath, env),
        initial: rules,
        apply: (reloaded) => engine.setRules(reloaded),
        logger,
      });
      cleanups.push(() => rulesWatch.stop());
    }
    const consoleServer = options.consoleListen
      ? await startConsole(options.consoleListen, store, logger, {
          policy: () => engine.currentRules.serverPolicy,
          audit: () => localVerifySources(auditSettingsFromEnv(env), dataDir),
        })
      : undefined;
    if (consoleServer !== undefined) cleanups.push(() => consoleServer.close());

    writeLocalEndpoint(dataDir, {
      pid: process.pid,
      url: collector.url,
      controlUrl: control.url,
      startedAt: new Date().toISOString(),
    });
    cleanups.push(() => unlinkSync(localEndpointPath(dataDir)));

    const tick = setInterval(() => {
      pipeline.tick(Date.now()).then(
        () => poster.resend(),
        (error: unknown) =>
          logger.warn('alert resolution could not be stored; will retry', { error: String(error) }),
      );
    }, options.tickIntervalMs ?? 5000);
    tick.unref();
    cleanups.push(() => clearInterval(tick));

    logger.info('mcptap local running', {
      url: collector.url,
      data_dir: dataDir,
      tenant,
      state_restored: restored.restored,
      state_skipped: restored.skipped,
      store: `chdb ${store.flavor.version}`,
    });

    let closing: Promise<void> | undefined;
    return {
      url: collector.url,
      apiKey,
      tenant,
      controlUrl: control.url,
      store,
      ...(consoleServer === undefined ? {} : { consoleUrl: consoleServer.url }),
      stats: () => stats.snapshot(),
      status,
      idle: () => stream.idle(),
      close: () => (closing ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
