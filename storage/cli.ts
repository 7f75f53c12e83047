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
import { ALL_STORAGE_ENV, storageSettingsFromEnv } from './config.js';
import { migrate } from './migrations.js';
import { enforceRetention } from './retention.js';
import { maskSecretsInText, SECRETS_UNMASKED_ENV } from '../secrets/index.js';
import { createSinkMetrics } from './sink-metrics.js';
import { startSink } from './sink.js';
import { openStore } from './store.js';
import { StoreWriter } from './store-writer.js';
import { sessionTimeline } from './timeline.js';
import { formatTimeline } from './timeline-format.js';

/** `mcptap sink`, `mcptap migrate` and `mcptap session`. */

const CONFIG_HELP = `Configuration (environment):\n${envReference(ALL_STORAGE_ENV)}`;

export async function migrateMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { retention: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      `Usage: mcptap migrate [--retention]\n\nCreates or migrates the ClickHouse schema (idempotent).\n` +
        `  --retention  also drop partitions older than each table's retention (servers without TTL)\n\n${CONFIG_HELP}`,
    );
    return 0;
  }
  const settings = storageSettingsFromEnv();
  const logger = createLogger('migrate');
  const store = await openStore(settings.clickhouse);
  try {
    const result = await migrate(store, {
      retentionDays: settings.retentionDays,
      reader: settings.reader,
      logger,
    });
    console.log(
      `schema of ${store.database} at version ${result.version} on ClickHouse ${store.flavor.version} ` +
        `(${store.flavor.modern ? 'modern' : 'fallback'} path); applied: ${result.applied.join(', ') || 'none'}; ` +
        `ttl changed: ${result.retentionChanged.join(', ') || 'none'}; reader user: ${result.reader}`,
    );
    if (values.retention) {
      const dropped = await enforceRetention(store, settings.retentionDays);
      console.log(
        `retention: dropped ${dropped.length} partitions${dropped.map((d) => ` ${d.table}/${d.partition}`).join('')}`,
      );
    }
    return 0;
  } finally {
    await store.client.close();
  }
}

export async function sinkMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(
      `Usage: mcptap sink\n\nConsumes events, catalogs, prompts and alerts from Kafka and stores them in ClickHouse.\n` +
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
  await ensureTopics(kafka, pipelineTopicSpecs(topics, kafkaSettings.topicSettings));
  const writer = new StoreWriter(store, { mask: settings.maskSecrets ? maskSecretsInText : null });
  if (!settings.maskSecrets) {
    logger.warn(
      `${SECRETS_UNMASKED_ENV.name}=true: secrets found in records are stored and dead-lettered raw; unset it to mask them`,
    );
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
        `Prints every stored event and alert of the session in time order.\n\n${CONFIG_HELP}`,
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
    const entries = await sessionTimeline(store, {
      sessionId,
      ...(values.tenant === undefined ? {} : { tenant: values.tenant }),
    });
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
