import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createKafka,
  createLogger,
  ensureTopics,
  pipelineTopicSpecs,
  serviceLifetime,
  envReference,
  kafkaSettingsFromEnv,
  KAFKA_ENV,
  serveMetrics,
} from '../platform/index.js';
import { ALL_STORAGE_ENV, STORAGE_ENV, storageSettingsFromEnv, type StorageSettings } from './config.js';
import { isClusterName } from './cluster-schema.js';
import { migrate, type TenantReadersOutcome } from './migrations.js';
import { grafanaTenantProvisioning } from './tenant-readers.js';
import { enforceRetention } from './retention.js';
import { maskSecretsInText, SECRETS_UNMASKED_ENV } from '../secrets/index.js';
import {
  auditSettingsFromEnv,
  auditWriterSettings,
  kafkaOutlet,
  openAuditSealer,
  sealingDescription,
  signingKeyFor,
} from '../audit/index.js';
import { createSinkMetrics } from './sink-metrics.js';
import { startSink } from './sink.js';
import { openStore } from './store.js';
import { StoreWriter } from './store-writer.js';
import { tenantToRead, TenantRequiredError } from './tenant-scope.js';
import { sessionTimeline } from './timeline.js';
import { formatTimeline } from './timeline-format.js';

/** `mcptap sink`, `mcptap migrate` and `mcptap session`. */

const CONFIG_HELP = `Configuration (environment):\n${envReference(ALL_STORAGE_ENV)}`;

const TENANT_READERS = `${STORAGE_ENV.tenantReaders.name} / ${STORAGE_ENV.tenantReadersFile.name}`;

/** What the operator must know and do when the tenant readers asked for were not created. */
function tenantReadersProblem(outcome: TenantReadersOutcome, version: string): string | undefined {
  switch (outcome.status) {
    case 'none':
    case 'created':
      return undefined;
    case 'unsupported':
      return (
        `mcptap migrate: the ${outcome.readers} tenant reader(s) of ${TENANT_READERS} were NOT created: ` +
        `ClickHouse ${version} has no SQL users and no row policies, and its users.xml has no per-user row ` +
        `filters (only <allow_databases>, and a view does not get around it), so nothing on this server can ` +
        `show a user one tenant's rows. Every user of this server that can read the mcptap database reads ` +
        `every tenant. To give tenants their own readers, move the store to a ClickHouse with row policies ` +
        `(the compose file's 24 has them) and run \`mcptap migrate\` again; until then, give ClickHouse ` +
        `credentials only to people allowed to see every tenant.`
      );
    case 'not-permitted':
      return (
        `mcptap migrate: the ${outcome.readers} tenant reader(s) of ${TENANT_READERS} were NOT created ` +
        `(or not all): ${outcome.reason}. Run \`mcptap migrate\` again as a ClickHouse user with ACCESS ` +
        `MANAGEMENT (CREATE USER, GRANT, CREATE ROW POLICY); readers already created keep their policies.`
      );
  }
}

export async function migrateMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      retention: { type: 'boolean', default: false },
      cluster: { type: 'string' },
      'grafana-tenants': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      `Usage: mcptap migrate [--retention] [--cluster NAME]\n       mcptap migrate --grafana-tenants DIR\n\n` +
        `Creates or migrates the ClickHouse schema (idempotent), the read-only user and the tenant readers.\n` +
        `Exit 1 when tenant readers are configured but could not be created (the schema is migrated all the same).\n` +
        `  --retention            also drop partitions older than each table's retention (servers without TTL)\n` +
        `  --cluster NAME         the clustered schema on the ClickHouse cluster NAME (its servers' remote_servers,\n` +
        `                         with {shard}/{replica} macros and ZooKeeper): ReplicatedReplacingMergeTree\n` +
        `                         <table>_local on every replica, Distributed <table> for reads and writes, all DDL\n` +
        `                         ON CLUSTER; as ${STORAGE_ENV.cluster.name}, which the sink must be given too\n` +
        `  --grafana-tenants DIR  migrate nothing: write Grafana provisioning for the tenant readers under DIR\n` +
        `                         (datasources/ and dashboards/mcptap-tenants.yaml; one organization per tenant)\n\n${CONFIG_HELP}`,
    );
    return 0;
  }
  const settings = storageSettingsFromEnv();
  if (values.cluster !== undefined) {
    if (!isClusterName(values.cluster)) {
      console.error(
        `mcptap migrate: --cluster ${JSON.stringify(values.cluster)} is not a cluster name (letters, digits, _)`,
      );
      return 2;
    }
    settings.clickhouse.cluster = values.cluster;
  }
  if (values['grafana-tenants'] !== undefined) {
    return writeGrafanaTenants(values['grafana-tenants'], settings);
  }
  const logger = createLogger('migrate');
  const store = await openStore(settings.clickhouse);
  try {
    const result = await migrate(store, {
      retentionDays: settings.retentionDays,
      reader: settings.reader,
      tenantReaders: settings.tenantReaders,
      logger,
    });
    console.log(
      `schema of ${store.database} at version ${result.version} on ClickHouse ${store.flavor.version}` +
        `${store.cluster === undefined ? '' : ` cluster ${store.cluster} (replicated tables <table>_local, Distributed <table>)`} ` +
        `(${store.flavor.modern ? 'modern' : 'fallback'} path); applied: ${result.applied.join(', ') || 'none'}; ` +
        `ttl changed: ${result.retentionChanged.join(', ') || 'none'}; reader user: ${result.reader}; ` +
        `tenant readers: ${result.tenantReaders.status === 'none' ? 'none' : `${result.tenantReaders.readers} ${result.tenantReaders.status}`}`,
    );
    const problem = tenantReadersProblem(result.tenantReaders, store.flavor.version);
    if (values.retention) {
      const dropped = await enforceRetention(store, settings.retentionDays);
      console.log(
        `retention: dropped ${dropped.length} partitions${dropped.map((d) => ` ${d.table}/${d.partition}`).join('')}`,
      );
    }
    if (problem !== undefined) {
      console.error(problem);
      return 1;
    }
    return 0;
  } finally {
    await store.client.close();
  }
}

function writeGrafanaTenants(dir: string, settings: StorageSettings): number {
  if (settings.tenantReaders.length === 0) {
    console.error(`mcptap migrate: no tenant readers configured: set ${TENANT_READERS} first`);
    return 2;
  }
  for (const [path, text] of Object.entries(
    grafanaTenantProvisioning(settings.clickhouse.database, settings.tenantReaders),
  )) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`wrote ${target}`);
  }
  return 0;
}

export async function sinkMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(
      `Usage: mcptap sink\n\nConsumes events, catalogs, prompts and alerts (and MCPTAP_OTLP_TOPIC's OTLP records when set) from Kafka and stores them in ClickHouse.\n` +
        `Migrates the schema first. Stops cleanly on SIGINT/SIGTERM.\n\n${CONFIG_HELP}\n${envReference(KAFKA_ENV)}`,
    );
    return 0;
  }
  const settings = storageSettingsFromEnv();
  const kafkaSettings = kafkaSettingsFromEnv();
  const logger = createLogger('sink');
  const store = await openStore(settings.clickhouse);
  await migrate(store, { retentionDays: settings.retentionDays, reader: settings.reader, logger });
  const kafka = createKafka(kafkaSettings, { logger, retries: 10 });
  const { topics } = kafkaSettings;
  const { otlpInput } = kafkaSettings;
  await ensureTopics(
    kafka,
    pipelineTopicSpecs(topics, kafkaSettings.topicSettings, { otlpTopic: otlpInput?.topic }),
  );
  const writer = new StoreWriter(store, { mask: settings.maskSecrets ? maskSecretsInText : null });
  if (!settings.maskSecrets) {
    logger.warn(
      `${SECRETS_UNMASKED_ENV.name}=true: secrets found in records are stored and dead-lettered raw; unset it to mask them`,
    );
  }
  const audit = auditWriterSettings(auditSettingsFromEnv(), { sink: true });
  const sealer =
    audit && (await openAuditSealer(store, audit, logger, [await kafkaOutlet(kafka, topics.audit)]));
  if (audit) {
    const described = sealingDescription(audit, signingKeyFor(audit));
    logger.info('stored rows are sealed', { ...described, topic: topics.audit });
  }
  const lifetime = serviceLifetime();
  const metrics = createSinkMetrics();
  const sink = await startSink({
    kafka,
    topics,
    writer,
    logger,
    ...settings,
    metrics,
    onConsumerStopped: lifetime.fail,
    sealer: sealer ?? undefined,
    otlpInput,
  });
  const metricsServer = await serveMetrics(settings.metricsListen, {
    registry: metrics.registry,
    readiness: () =>
      metrics.paused.get() === 1
        ? { ready: false, why: 'writes are failing; consumption paused' }
        : { ready: true },
    logger,
  });

  const retention =
    settings.retentionIntervalS > 0 && !store.flavor.modern
      ? setInterval(() => {
          enforceRetention(store, settings.retentionDays).then(
            (dropped) => dropped.length > 0 && logger.info('retention: partitions dropped', { dropped }),
            (error: unknown) => logger.warn('retention job failed', { error: String(error) }),
          );
        }, settings.retentionIntervalS * 1000)
      : undefined;

  const end = await lifetime.ended;
  logger.info('sink stopping');
  clearInterval(retention);
  await sink.stop();
  await sealer?.close();
  await metricsServer?.close();
  await store.client.close();
  return end === 'signal' ? 0 : 1;
}

export async function sessionMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [sessionId] = positionals;
  if (values.help || sessionId === undefined || positionals.length > 1) {
    console.log(
      `Usage: mcptap session <session-id> [--tenant T] [--format text|json]\n\n` +
        `Prints every stored event and alert of the session in time order. --tenant is required when the\n` +
        `store holds more than one tenant.\n\n${CONFIG_HELP}`,
    );
    return values.help ? 0 : 2;
  }
  if (values.format !== 'text' && values.format !== 'json') {
    console.error(`mcptap session: --format must be text or json, not '${values.format}'`);
    return 2;
  }
  const settings = storageSettingsFromEnv();
  const store = await openStore(settings.clickhouse);
  try {
    let tenant;
    try {
      tenant = await tenantToRead(store, values.tenant);
    } catch (error) {
      if (!(error instanceof TenantRequiredError)) throw error;
      console.error(`mcptap session: ${error.message}`);
      return 2;
    }
    const entries = await sessionTimeline(store, { sessionId, ...(tenant === undefined ? {} : { tenant }) });
    if (values.format === 'json') {
      console.log(
        JSON.stringify(
          entries.map((e) => ({ table: e.table, time_ms: e.time_ms, ...e.record })),
          null,
          2,
        ),
      );
    } else if (entries.length === 0) {
      console.error(`no events stored for session ${JSON.stringify(sessionId)} in ${store.database}`);
      return 1;
    } else {
      console.log(formatTimeline(entries));
    }
    return 0;
  } finally {
    await store.client.close();
  }
}
