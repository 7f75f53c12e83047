import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import { CheckpointSchema, type Checkpoint } from './checkpoint.js';

/**
 * Where checkpoints are copied outside the store: an append-only JSON-lines file (0600) and the
 * `<prefix>.audit.v1` Kafka topic (keyed by tenant, never compacted). Both are read back by the
 * verifier.
 */

export interface CheckpointOutlet {
  /** Names the copy in logs and in verify's findings. */
  readonly name: string;
  append(checkpoints: readonly Checkpoint[]): Promise<void>;
  close?(): Promise<void>;
}

export function fileOutlet(path: string): CheckpointOutlet {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path)) chmodSync(path, 0o600);
  return {
    name: `file ${path}`,
    async append(checkpoints) {
      await appendFile(path, checkpoints.map((c) => `${JSON.stringify(c)}\n`).join(''), { mode: 0o600 });
    },
  };
}

export async function kafkaOutlet(kafka: Kafka, topic: string): Promise<CheckpointOutlet> {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    name: `topic ${topic}`,
    async append(checkpoints) {
      await producer.send({
        topic,
        acks: -1,
        messages: checkpoints.map((c) => ({ key: c.tenant, value: JSON.stringify(c) })),
      });
    },
    close: () => producer.disconnect(),
  };
}

export interface ExternalCopy {
  name: string;
  checkpoints: Checkpoint[];
  /** Lines or records that are not checkpoints (a damaged copy is itself a finding). */
  unreadable: number;
}

function parseCheckpoint(text: string): Checkpoint | undefined {
  try {
    const parsed = CheckpointSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function readCheckpointFile(path: string): ExternalCopy {
  const copy: ExternalCopy = { name: `file ${path}`, checkpoints: [], unreadable: 0 };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const checkpoint = parseCheckpoint(line);
    if (checkpoint === undefined) copy.unreadable++;
    else copy.checkpoints.push(checkpoint);
  }
  return copy;
}

/** Every record of the audit topic, from the beginning to its end when called. */
export async function readCheckpointTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 60_000,
): Promise<ExternalCopy> {
  const copy: ExternalCopy = { name: `topic ${topic}`, checkpoints: [], unreadable: 0 };
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map([...ends].filter(([, end]) => end > 0n));
  if (remaining.size === 0) return copy;
  const consumer = kafka.consumer({
    groupId: `mcptap-audit-verify-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} did not reach its end in ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const checkpoint =
            message.value === null ? undefined : parseCheckpoint(message.value.toString('utf8'));
          if (checkpoint === undefined) copy.unreadable++;
          else copy.checkpoints.push(checkpoint);
          const end = remaining.get(partition);
          if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return copy;
}
