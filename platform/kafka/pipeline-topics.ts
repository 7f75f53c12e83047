import type { ITopicConfig, Kafka } from 'kafkajs';
import type { TopicNames } from '../../model/index.js';
import type { TopicSettings } from './kafka-config.js';

/**
 * Every topic of the pipeline and how it is made. Each service ensures all of them before it
 * produces or subscribes, so that whichever service starts first creates them the same way (they
 * used to get 3 or 6 partitions depending on whether the sink or the collector came up first).
 */
export function pipelineTopicSpecs(
  topics: TopicNames,
  settings: TopicSettings,
  options: { rawSpans?: boolean; otlpTopic?: string } = {},
): TopicSpec[] {
  const { partitions, replicationFactor, retentionMs, maxMessageBytes } = settings;
  const retained = (topic: string, topicPartitions = partitions): TopicSpec => ({
    topic,
    partitions: topicPartitions,
    replicationFactor,
    retentionMs,
    maxMessageBytes,
  });
  return [
    retained(topics.events),
    retained(topics.catalog),
    retained(topics.prompts),
    ...(options.rawSpans ? [retained(topics.rawSpans)] : []),
    ...(options.otlpTopic !== undefined ? [retained(options.otlpTopic)] : []),
    retained(topics.alerts),
    retained(topics.alertsOcsf),
    retained(topics.deadLetter, 1),
    { topic: topics.detectorState, partitions, replicationFactor, maxMessageBytes, compacted: true },
    // Audit checkpoints are kept for good, in one ordered log, and never compacted (audit/).
    { topic: topics.audit, partitions: 1, replicationFactor, retentionMs: -1, maxMessageBytes },
  ];
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Retention in ms; -1 keeps forever. */
  retentionMs?: number;
  compacted?: boolean;
  maxMessageBytes?: number;
  /** 1 on a single local broker; 3 on a production cluster. */
  replicationFactor?: number;
}

/** Creates the topics that do not exist yet; existing topics are left as they are. */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = specs
      .filter((spec) => !existing.has(spec.topic))
      .map((spec) => {
        const configEntries = [];
        if (spec.retentionMs !== undefined)
          configEntries.push({ name: 'retention.ms', value: String(spec.retentionMs) });
        if (spec.compacted) configEntries.push({ name: 'cleanup.policy', value: 'compact' });
        if (spec.maxMessageBytes !== undefined)
          configEntries.push({ name: 'max.message.bytes', value: String(spec.maxMessageBytes) });
        return {
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor ?? 1,
          configEntries,
        };
      });
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
