import cluster from 'node:cluster';
import { createInterface } from 'node:readline';
import { ConfigError, createLogger, envReference } from '../platform/index.js';
import { hashApiKey } from './api-keys.js';
import { runCollectorPrimary } from './collector-cluster.js';
import { COLLECTOR_ENV_TABLE, collectorConfigFromEnv, workerShare } from './config.js';
import { startKafkaCollector } from './kafka-collector.js';

const USAGE = `Usage:
  mcptap collector             run the OTLP/HTTP receiver (configured by the environment, below)
  mcptap collector hash-key    print the SHA-256 of an API key read from stdin, for MCPTAP_COLLECTOR_API_KEYS

Hosts send OTLP/HTTP traces (protobuf or JSON, optionally gzip) to POST /v1/traces with their key in
x-mcptap-api-key (or Authorization: Bearer). The answer is 200 only once Kafka acknowledged every
event of the request. A sender that retries after a 503 or a timeout may produce an event twice:
consumers deduplicate by event_id.

Environment:
${envReference(COLLECTOR_ENV_TABLE)}`;

async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

async function hashKeyMain(argv: string[]): Promise<number> {
  if (argv.length > 0) {
    // A key on the command line would land in shell history and process listings.
    console.error(
      'mcptap collector hash-key: pass the key on stdin, e.g. `printf %s "$KEY" | mcptap collector hash-key`',
    );
    return 2;
  }
  const key = (await readFirstLine()).trim();
  if (key === '') {
    console.error('mcptap collector hash-key: no key on stdin');
    return 2;
  }
  console.log(hashApiKey(key));
  return 0;
}

async function serveMain(): Promise<number> {
  const logger = createLogger('collector');
  let config;
  try {
    config = collectorConfigFromEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`mcptap collector: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (config.workers > 1 && cluster.isPrimary) return runCollectorPrimary(config, logger);
  const worker = cluster.isWorker;
  const collector = await startKafkaCollector(
    worker ? workerShare(config) : config,
    worker ? logger.child({ worker: cluster.worker?.id }) : logger,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info('stopping', { signal });
      // A worker gets the terminal's SIGINT and the primary's SIGTERM: it keeps ignoring the second.
      if (!worker) {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await collector.close();
  // The IPC channel to the primary would keep a worker alive.
  if (worker) cluster.worker?.disconnect();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (sub === 'hash-key') return hashKeyMain(rest);
  if (sub !== undefined) {
    console.error(`mcptap collector: unknown argument '${sub}'\n\n${USAGE}`);
    return 2;
  }
  return serveMain();
}
