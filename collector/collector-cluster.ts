import cluster, { type Worker } from 'node:cluster';
import { createKafka, ensureTopics, pipelineTopicSpecs, type Logger } from '../platform/index.js';
import type { CollectorConfig } from './config.js';
import { errorMessage } from '../model/index.js';

/**
 * The collector is CPU-bound (decoding, validation, serialisation, Kafka framing), and one Node
 * process uses one core. With MCPTAP_COLLECTOR_WORKERS > 1 the primary process creates the topics
 * once, then forks that many workers that share the listen socket (node:cluster hands connections
 * round-robin) and each run a full receiver with its own idempotent producer. Every worker still
 * answers 200 only after Kafka acknowledged its records. The primary does no request work: it
 * restarts a worker that died and forwards SIGTERM/SIGINT for a graceful stop.
 */

const RESTART_DELAY_MS = 1000;

export async function runCollectorPrimary(config: CollectorConfig, logger: Logger): Promise<number> {
  const kafka = createKafka(
    { brokers: config.kafka.brokers, clientId: config.kafka.clientId },
    { logger: logger.child({ part: 'kafka' }), retries: 2 },
  );
  try {
    await ensureTopics(
      kafka,
      pipelineTopicSpecs(config.kafka.topics, config.kafka.topicSettings, {
        rawSpans: config.kafka.rawSpansTopic,
      }),
    );
  } catch (error) {
    const reason = errorMessage(error);
    logger.error(
      `cannot reach Kafka at ${config.kafka.brokers.join(',')} to create the topics (${reason}); ` +
        `check MCPTAP_KAFKA_BROKERS and that the brokers are up ('bash scripts/infra.sh start kafka' locally)`,
    );
    return 1;
  }

  let stopping = false;
  let failedAtStart = false;
  const listening = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => listening.add(worker));
    worker.once('exit', (code, signal) => {
      const wasListening = listening.delete(worker);
      if (stopping) return;
      if (!wasListening) {
        // It never came up (bad configuration, Kafka gone): restarting would loop.
        logger.error('collector worker failed to start; stopping', { pid: worker.process.pid, code });
        failedAtStart = true;
        stop('worker_failed');
        return;
      }
      logger.warn('collector worker exited; restarting it', { pid: worker.process.pid, code, signal });
      setTimeout(fork, RESTART_DELAY_MS).unref();
    });
  };

  let stop: (reason: string) => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = (reason: string) => {
      if (stopping) return;
      stopping = true;
      logger.info('stopping collector workers', { reason });
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      const check = setInterval(() => {
        if (Object.keys(cluster.workers ?? {}).length === 0) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    };
  });
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info('starting collector workers', { workers: config.workers });
  for (let i = 0; i < config.workers; i++) fork();
  await stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  logger.info('collector stopped', { workers: config.workers });
  return failedAtStart ? 1 : 0;
}
