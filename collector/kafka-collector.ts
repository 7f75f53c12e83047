import { createKafka, createRecordProducer, pipelineTopicSpecs, type Logger } from '../platform/index.js';
import { createCollectorMetrics } from './collector-metrics.js';
import type { CollectorConfig } from './config.js';
import { KafkaEventPublisher } from './kafka-publisher.js';
import { startCollector, type RunningCollector } from './http-receiver.js';
import { errorMessage } from '../model/index.js';

/**
 * The full-stack collector: topics created if missing, the Kafka publisher, the receiver. `close()`
 * stops the receiver (in-flight requests finish), then flushes and disconnects the producer.
 */
export async function startKafkaCollector(
  config: CollectorConfig,
  logger: Logger,
): Promise<RunningCollector> {
  const kafka = createKafka(
    { brokers: config.kafka.brokers, clientId: config.kafka.clientId },
    { logger: logger.child({ part: 'kafka' }), retries: 2 },
  );
  const k = config.kafka;
  const specs = pipelineTopicSpecs(k.topics, k.topicSettings, {
    rawSpans: k.rawSpansTopic,
    otlpTopic: k.otlpTopic ?? undefined,
  });
  let publisher: KafkaEventPublisher;
  try {
    publisher = await KafkaEventPublisher.start(
      {
        kafka,
        newProducer: () =>
          createRecordProducer({
            client: k.client,
            brokers: k.brokers,
            clientId: k.clientId,
            logger: logger.child({ part: 'kafka' }),
            requestTimeoutMs: k.requestTimeoutMs,
          }),
        topics: k.topics,
        otlpTopic: k.otlpTopic,
        requestBytes: k.requestBytes,
        requestTimeoutMs: k.requestTimeoutMs,
        readyTtlMs: k.readyTtlMs,
        logger,
      },
      specs,
    );
  } catch (error) {
    const reason = errorMessage(error);
    throw new Error(
      `cannot reach Kafka at ${config.kafka.brokers.join(',')} to create the topics and connect the producer (${reason}); ` +
        `check MCPTAP_KAFKA_BROKERS and that the brokers are up ('bash scripts/infra.sh start kafka' locally)`,
      { cause: error },
    );
  }
  let running: RunningCollector;
  try {
    running = await startCollector(config.receiver, { publisher, logger, metrics: createCollectorMetrics() });
  } catch (error) {
    await publisher.close();
    throw error;
  }
  return {
    ...running,
    close: async () => {
      await running.close();
      await publisher.close();
    },
  };
}
