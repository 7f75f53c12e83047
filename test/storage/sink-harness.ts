// Shared by the sink tests: unique topics on the local Kafka, a database of its own on the local
// ClickHouse, producing events/alerts as the collector and detectors do (JSON values, model keys),
// and reading the dead-letter topic.
import type { Kafka, Message } from 'kafkajs';
import {
  keyForEvent,
  topicForEvent,
  topicNames,
  type Alert,
  type McpEvent,
  type TopicNames,
} from '../../model/index.js';
import { createKafka, ensureTopics, silentLogger } from '../../platform/index.js';
import { migrate, openStore, type Store } from '../../storage/index.js';
import { ensureInfra, uniqueName } from '../support/infra.js';
import { RETENTION } from './store-suite.js';

export interface KafkaFixture {
  kafka: Kafka;
  brokers: string[];
  prefix: string;
  topics: TopicNames;
}

export async function kafkaFixture(name: string): Promise<KafkaFixture> {
  const { kafkaBrokers } = await ensureInfra(['kafka']);
  const prefix = uniqueName(name);
  const topics = topicNames(prefix);
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: prefix }, { logger: silentLogger });
  await ensureTopics(
    kafka,
    [topics.events, topics.catalog, topics.prompts, topics.alerts, topics.deadLetter].map((topic) => ({
      topic,
      partitions: 3,
    })),
  );
  return { kafka, brokers: kafkaBrokers, prefix, topics };
}

/** A database of its own on the shared ClickHouse 18.16 server, migrated; `dropStore` removes it. */
export async function migratedStore(name: string): Promise<Store> {
  const { clickhouseUrl } = await ensureInfra(['clickhouse']);
  const store = await openStore({
    url: clickhouseUrl,
    username: 'default',
    password: '',
    database: uniqueName(name),
  });
  await migrate(store, { retentionDays: RETENTION });
  return store;
}

export async function dropStore(store: Store | undefined): Promise<void> {
  await store?.client.command({ query: `DROP DATABASE IF EXISTS ${store.database}` });
  await store?.client.close();
}

export function recordMessages(
  topics: TopicNames,
  records: readonly (McpEvent | Alert)[],
): Map<string, Message[]> {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    const [topic, key] =
      'kind' in record
        ? [topicForEvent(topics, record), keyForEvent(record)]
        : [topics.alerts, record.fingerprint];
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push({ key, value: JSON.stringify(record) });
  }
  return byTopic;
}

export async function produce(kafka: Kafka, byTopic: Map<string, Message[]>, chunk = 500): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const [topic, messages] of byTopic) {
      for (let i = 0; i < messages.length; i += chunk) {
        await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
      }
    }
  } finally {
    await producer.disconnect();
  }
}

export interface DeadLetter {
  value: string;
  headers: Record<string, string>;
}

/** Everything on the dead-letter topic, read from the beginning by a fresh group. */
export async function readDeadLetters(
  fixture: KafkaFixture,
  expected: number,
  timeoutMs = 30_000,
): Promise<DeadLetter[]> {
  const consumer = fixture.kafka.consumer({ groupId: uniqueName('dlq-reader'), maxWaitTimeInMs: 200 });
  const seen: DeadLetter[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: fixture.topics.deadLetter, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${seen.length} of ${expected} dead letters in ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          seen.push({ value: message.value?.toString('utf8') ?? '', headers });
          if (seen.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Sum over the sink's input topics of the group's committed offsets (= messages consumed and stored). */
export async function committedOffsets(fixture: KafkaFixture, groupId: string): Promise<number> {
  const admin = fixture.kafka.admin();
  await admin.connect();
  try {
    const { events, catalog, prompts, alerts } = fixture.topics;
    const offsets = await admin.fetchOffsets({ groupId, topics: [events, catalog, prompts, alerts] });
    return offsets.flatMap((t) => t.partitions).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}
