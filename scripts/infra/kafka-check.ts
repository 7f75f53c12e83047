// Health check for the local Kafka broker started by scripts/infra.sh.
//
//   node --import tsx scripts/infra/kafka-check.ts --brokers 127.0.0.1:19092 [--quick] [--timeout-ms 60000]
//                                                  [--replication 1]
//
// Full check (after a start): create the health-check topic, produce one message and consume it back
// with an idempotent producer through a consumer group: the broker, the controller, the transaction
// and group coordinators all work.
// Quick check (`--quick`, for an already running broker): fetch cluster metadata only.
// `--replication N` (a cluster): the health-check topic has N replicas and the quick check requires N
// brokers in the metadata, so every broker of the cluster is known to be up.
// Retries until the deadline; exits 0 when healthy, 1 with the last error otherwise.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { errorMessage } from '../../model/index.js';

const HEALTH_TOPIC = 'mcptap-infra-healthcheck';
const RETRY_PAUSE_MS = 500;
const RECEIVE_TIMEOUT_MS = 20_000;

interface CheckOptions {
  brokers: string[];
  quick: boolean;
  timeoutMs: number;
  replication: number;
}

function readOptions(): CheckOptions {
  const { values } = parseArgs({
    options: {
      brokers: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'timeout-ms': { type: 'string', default: '60000' },
      replication: { type: 'string', default: '1' },
    },
  });
  const brokers = (values.brokers ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0) throw new Error('kafka-check: --brokers host:port[,host:port] is required');
  const timeoutMs = Number(values['timeout-ms']);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new Error(`kafka-check: --timeout-ms must be a positive number, got ${values['timeout-ms']}`);
  }
  const replication = Number(values.replication);
  if (!Number.isInteger(replication) || replication < 1) {
    throw new Error(`kafka-check: --replication must be a whole number from 1, got ${values.replication}`);
  }
  return { brokers, quick: values.quick ?? false, timeoutMs, replication };
}

function client(brokers: string[]): Kafka {
  return new Kafka({
    clientId: 'mcptap-infra-check',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

async function quickCheck(kafka: Kafka, brokersWanted: number): Promise<string> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length < brokersWanted)
      throw new Error(`${cluster.brokers.length} of ${brokersWanted} brokers are up`);
    return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller}`;
  } finally {
    await admin.disconnect();
  }
}

async function roundTrip(kafka: Kafka, deadline: number, replication: number): Promise<string> {
  const admin: Admin = kafka.admin();
  // Idempotent, as our producers are: the first InitProducerId waits for the transaction coordinator
  // to load, which a fresh broker does lazily; a healthy broker has done it.
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const groupId = `mcptap-infra-check-${process.pid}-${Date.now()}`;
  const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const token = randomUUID();
  let consumerJoined = false;
  try {
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: HEALTH_TOPIC,
          numPartitions: 1,
          replicationFactor: replication,
          configEntries: [{ name: 'retention.ms', value: String(60 * 60 * 1000) }],
        },
      ],
      waitForLeaders: true,
    });
    await producer.connect();
    const [sent] = await producer.send({ topic: HEALTH_TOPIC, acks: -1, messages: [{ value: token }] });
    if (sent === undefined) throw new Error('producer.send returned no record metadata');

    await consumer.connect();
    await consumer.subscribe({ topics: [HEALTH_TOPIC], fromBeginning: false });
    consumerJoined = true;
    const received = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`message ${token} was produced but not consumed in time`)),
        // A fresh cluster may still be electing the leaders of the offsets topic: try again, not wait out the deadline.
        Math.min(RECEIVE_TIMEOUT_MS, Math.max(1_000, deadline - Date.now())),
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (message.value?.toString() === token) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    consumer.seek({ topic: HEALTH_TOPIC, partition: sent.partition, offset: sent.baseOffset ?? '0' });
    await received;
    return `produced and consumed a message on ${HEALTH_TOPIC}`;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    // The group only existed for this check; leave no trace of it on the broker.
    if (consumerJoined) await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const kafka = client(options.brokers);
  let lastError: unknown;
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts += 1;
    try {
      const what = options.quick
        ? await quickCheck(kafka, options.replication)
        : await roundTrip(kafka, deadline, options.replication);
      console.log(`kafka ok at ${options.brokers.join(',')}: ${what} (${Date.now() - started} ms)`);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }
  const reason = errorMessage(lastError);
  console.error(
    `kafka not healthy at ${options.brokers.join(',')} after ${attempts} attempt(s) in ${options.timeoutMs} ms: ${reason}`,
  );
  process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exitCode = 1;
});
