// Test access to the local infrastructure that scripts/infra.sh runs: where each server listens (from
// the same environment variables and defaults as the script), starting what a test needs, unique
// names so tests never share a topic or table, and the webhook recorder's view of Alertmanager.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedNotification } from '../../scripts/infra/webhook-recorder.js';

export type { RecordedNotification };

/** kafka-cluster and clickhouse-cluster are the scale-out profiles, started only when named. */
export type InfraService =
  'kafka' | 'clickhouse' | 'alertmanager' | 'webhook' | 'kafka-cluster' | 'clickhouse-cluster';

export const ALL_INFRA_SERVICES: readonly InfraService[] = ['kafka', 'clickhouse', 'webhook', 'alertmanager'];

export interface InfraEndpoints {
  kafkaBrokers: string[];
  /** HTTP interface, user `default` (no password, full access). */
  clickhouseUrl: string;
  /** The read-only analyst user. */
  clickhouseReader: { username: string; password: string };
  alertmanagerUrl: string;
  webhookRecorderUrl: string;
  /** kafka-cluster's three brokers. */
  kafkaClusterBrokers: string[];
  /** clickhouse-cluster: the cluster's name and the HTTP interface of each of its two replicas. */
  clickhouseCluster: { name: string; replicaUrls: string[] };
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INFRA_SCRIPT = join(REPO_ROOT, 'scripts', 'infra.sh');
/** A cold start installs packages and resolves Kafka from Maven Central; allow for it. */
const START_TIMEOUT_MS = 15 * 60 * 1000;

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new Error(`${name} must be a TCP port, got '${raw}'`);
  }
  return value;
}

export function infraEndpoints(env: NodeJS.ProcessEnv = process.env): InfraEndpoints {
  return {
    kafkaBrokers: [`127.0.0.1:${port(env, 'MCPTAP_KAFKA_PORT', 19092)}`],
    clickhouseUrl: `http://127.0.0.1:${port(env, 'MCPTAP_CLICKHOUSE_HTTP_PORT', 18123)}`,
    clickhouseReader: {
      username: 'mcptap_reader',
      password: env.MCPTAP_CLICKHOUSE_READER_PASSWORD ?? 'reader',
    },
    alertmanagerUrl: `http://127.0.0.1:${port(env, 'MCPTAP_ALERTMANAGER_PORT', 19094)}`,
    webhookRecorderUrl: `http://127.0.0.1:${port(env, 'MCPTAP_WEBHOOK_PORT', 19095)}`,
    kafkaClusterBrokers: [0, 1, 2].map(
      (n) => `127.0.0.1:${port(env, 'MCPTAP_KAFKA_CLUSTER_PORT', 29092) + n}`,
    ),
    clickhouseCluster: {
      name: 'mcptap_cluster',
      replicaUrls: [0, 1].map(
        (n) => `http://127.0.0.1:${port(env, 'MCPTAP_CLICKHOUSE_CLUSTER_HTTP_PORT', 28123) + n}`,
      ),
    },
  };
}

const started = new Map<InfraService, Promise<void>>();

function runInfraStart(services: readonly InfraService[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [INFRA_SCRIPT, 'start', ...services], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: START_TIMEOUT_MS,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      reject(
        new Error(
          `'bash scripts/infra.sh start ${services.join(' ')}' failed (${signal ?? `exit ${code}`}):\n${output}`,
        ),
      );
    });
  });
}

/**
 * Starts the given services through scripts/infra.sh (a no-op for those already running and healthy)
 * and resolves once they passed its health checks. Cached per process: each service is started once.
 */
export async function ensureInfra(
  services: readonly InfraService[] = ALL_INFRA_SERVICES,
): Promise<InfraEndpoints> {
  const missing = services.filter((s) => !started.has(s));
  if (missing.length > 0) {
    const run = runInfraStart(missing);
    for (const s of missing) started.set(s, run);
    // A failed start is not cached: the next call tries again.
    run.catch(() => missing.forEach((s) => started.delete(s)));
  }
  await Promise.all(services.map((s) => started.get(s)));
  return infraEndpoints();
}

function runInfra(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [INFRA_SCRIPT, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Whether every part of the service runs (`infra.sh status`), e.g. before a test starts a profile. */
export async function infraRunning(service: InfraService): Promise<boolean> {
  return (await runInfra(['status', service])).code === 0;
}

/** Stops a service (or one node of a profile, e.g. `kafka-cluster-2`) through scripts/infra.sh. */
export async function stopInfra(service: InfraService | `kafka-cluster-${1 | 2 | 3}`): Promise<void> {
  const { code, output } = await runInfra(['stop', service]);
  if (code !== 0)
    throw new Error(`'bash scripts/infra.sh stop ${service}' failed (exit ${code}):\n${output}`);
  started.delete(service as InfraService);
}

let nameCounter = 0;

/**
 * A name no other test (in this or another process) uses, valid as a Kafka topic, a ClickHouse
 * identifier and a tenant id: `<prefix>_<time>_<pid>_<n>_<random>`, lower-case letters, digits and `_`.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const head = /^[a-z_]/.test(clean) ? clean : `t_${clean}`;
  nameCounter += 1;
  const tail = [
    Date.now().toString(36),
    process.pid.toString(36),
    nameCounter,
    randomBytes(3).toString('hex'),
  ];
  return `${head}_${tail.join('_')}`;
}

function isRecordedNotification(value: unknown): value is RecordedNotification {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.receivedAt === 'number' && typeof v.seq === 'number' && typeof v.path === 'string';
}

/** What the webhook recorder received (from Alertmanager), oldest first; only from `since` (ms epoch) on. */
export async function fetchNotifications(since?: number): Promise<RecordedNotification[]> {
  const url = new URL('/notifications', infraEndpoints().webhookRecorderUrl);
  if (since !== undefined) url.searchParams.set('since', String(since));
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url.href} answered ${res.status}: ${await res.text()}`);
  const body: unknown = await res.json();
  if (!Array.isArray(body) || !body.every(isRecordedNotification)) {
    throw new Error(`GET ${url.href} did not answer an array of notifications`);
  }
  return body;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error: what was awaited. */
  description?: string;
}

/**
 * Polls `predicate` until it returns a truthy value, and resolves with that value. Errors thrown by the
 * predicate count as "not yet"; the last one is reported if the deadline passes.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 100, description = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
