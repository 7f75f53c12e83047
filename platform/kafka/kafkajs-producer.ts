import { Partitioners, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { createKafka } from './kafkajs-client.js';
import type { OutgoingRecord, RecordProducer, RecordProducerSettings } from './record-producer.js';

/** kafkajs's idempotent producer: it keeps the sequences and encodes the batches itself. */
export class KafkajsRecordProducer implements RecordProducer {
  readonly client = 'kafkajs';
  private readonly producer: Producer;

  constructor(settings: RecordProducerSettings) {
    const kafka = createKafka(
      { brokers: settings.brokers, clientId: settings.clientId },
      { logger: settings.logger, retries: 2 },
    );
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(records: readonly OutgoingRecord[], timeoutMs: number): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, key, value, headers } of records) {
      let messages = byTopic.get(topic);
      if (messages === undefined) byTopic.set(topic, (messages = []));
      messages.push({ key, value, headers: { ...headers } });
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    await this.producer.sendBatch({ topicMessages, acks: -1, timeout: timeoutMs });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
