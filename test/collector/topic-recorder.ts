// Reads what the collector produced: one consumer (own group, from the beginning) on the test's
// topics, recording every message for the test to inspect.
import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { createKafka, silentLogger } from '../../platform/index.js';

export interface RecordedMessage {
  topic: string;
  partition: number;
  key: string;
  value: string;
  /** The value's bytes (OTLP records are protobuf). */
  bytes: Buffer;
  headers: Record<string, string>;
}

export interface TopicRecorder {
  messages: RecordedMessage[];
  stop(): Promise<void>;
}

export async function recordTopics(brokers: string[], topics: string[]): Promise<TopicRecorder> {
  const kafka = createKafka({ brokers, clientId: 'collector-test-reader' }, { logger: silentLogger });
  const consumer: Consumer = kafka.consumer({
    groupId: `collector-test-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  const messages: RecordedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
      messages.push({
        topic,
        partition,
        key: message.key?.toString() ?? '',
        value: message.value?.toString() ?? '',
        bytes: message.value ?? Buffer.alloc(0),
        headers,
      });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
