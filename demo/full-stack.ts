import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hashApiKey } from '../collector/index.js';
import { generateSigningKeyFile, publicKeyPath } from '../audit/index.js';
import { openStore, sessionTimeline, userActivity, type Store } from '../storage/index.js';
import { startChildService, waitUntil, type ChildService } from './child-service.js';
import { MAX_PROBLEM_LINES, type DemoStack, type ObservedAlert, type Progress } from './demo-stack.js';
import { auditVerifyCommand, tamper } from './tamper.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const INFRA_SCRIPT = join(REPO_ROOT, 'scripts', 'infra.sh');

/** Ports and URLs of the local servers, as scripts/infra.sh starts them (same variables, same defaults). */
function infraAddresses() {
  const env = process.env;
  return {
    kafka: `127.0.0.1:${env.MCPTAP_KAFKA_PORT ?? '19092'}`,
    clickhouse: `http://127.0.0.1:${env.MCPTAP_CLICKHOUSE_HTTP_PORT ?? '18123'}`,
    alertmanager: `http://127.0.0.1:${env.MCPTAP_ALERTMANAGER_PORT ?? '19094'}`,
    webhook: `http://127.0.0.1:${env.MCPTAP_WEBHOOK_PORT ?? '19095'}`,
  };
}

function runInfra(args: string[], progress: Progress): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [INFRA_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) progress('infra', line.trim());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`scripts/infra.sh ${args.join(' ')} failed (${code}):\n${output.slice(-2000)}`)),
    );
  });
}

interface RecordedNotification {
  receivedAt: number;
  body: {
    alerts?: {
      status?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      startsAt?: string;
    }[];
  };
}

export interface FullStackOptions {
  runId: string;
  workDir: string;
  collectorPort: number;
  /** Where the sink and the detectors serve /metrics and /readyz. */
  sinkMetricsPort: number;
  detectorsMetricsPort: number;
  rulesPath: string;
  keep: boolean;
  progress: Progress;
}

/**
 * The full stack as a team runs it: Kafka, ClickHouse server and Alertmanager from the project's
 * scripts, and `mcptap collector`, `mcptap detectors` and `mcptap sink` as separate processes —
 * the production commands, configured only through their environment.
 */
export async function startFullStack(options: FullStackOptions): Promise<DemoStack> {
  const { progress } = options;
  const addresses = infraAddresses();
  const infraWasRunning = await runInfra(['status'], () => undefined).then(
    () => true,
    () => false,
  );
  progress('infra', 'starting Kafka, ClickHouse, Alertmanager (installs what is missing)');
  await runInfra(['start'], progress);

  const tenant = `demo-${options.runId}`;
  const apiKey = `mcptap-demo-${randomBytes(16).toString('hex')}`;
  const logDir = join(options.workDir, 'logs');
  await mkdir(logDir, { recursive: true });
  // The sink seals what it stores with a key of this run, outside the store's reach.
  const signingKey = join(options.workDir, 'audit', 'signing.key');
  await mkdir(dirname(signingKey), { recursive: true, mode: 0o700 });
  generateSigningKeyFile(signingKey);
  const checkpointFile = join(options.workDir, 'audit', 'checkpoints.jsonl');
  const topicPrefix = `mcptap-demo-${options.runId}`;
  const env: Record<string, string> = {
    MCPTAP_KAFKA_BROKERS: addresses.kafka,
    // Topics and consumer groups of this run alone: a run beside another (a second demo, a test) on
    // the same Kafka neither takes its partitions nor reads its events.
    MCPTAP_TOPIC_PREFIX: topicPrefix,
    MCPTAP_SINK_GROUP_ID: `${topicPrefix}-sink`,
    MCPTAP_DETECTORS_GROUP: `${topicPrefix}-detectors`,
    MCPTAP_CLICKHOUSE_URL: addresses.clickhouse,
    MCPTAP_CLICKHOUSE_DATABASE: 'mcptap',
    MCPTAP_ALERTMANAGER_URL: addresses.alertmanager,
    MCPTAP_DETECTOR_RULES: options.rulesPath,
    MCPTAP_COLLECTOR_LISTEN: `127.0.0.1:${options.collectorPort}`,
    MCPTAP_COLLECTOR_API_KEYS: `${tenant}:${hashApiKey(apiKey)}`,
    MCPTAP_SINK_BATCH_WAIT_MS: '200',
    MCPTAP_SINK_METRICS_LISTEN: `127.0.0.1:${options.sinkMetricsPort}`,
    MCPTAP_DETECTORS_METRICS_LISTEN: `127.0.0.1:${options.detectorsMetricsPort}`,
    MCPTAP_AUDIT_SIGNING_KEY_FILE: signingKey,
    MCPTAP_AUDIT_CHECKPOINT_FILE: checkpointFile,
    MCPTAP_AUDIT_WRITER_ID: `demo-${options.runId}`,
  };
  const sinkMetrics = `http://127.0.0.1:${options.sinkMetricsPort}`;
  const detectorsMetrics = `http://127.0.0.1:${options.detectorsMetricsPort}`;
  const ready = (base: string) => async () => (await fetch(`${base}/readyz`)).ok;
  const services: ChildService[] = [];
  const stopServices = async () => {
    for (const service of services.reverse()) await service.stop();
  };
  try {
    progress('sink', 'starting mcptap sink (migrates the schema)');
    const sink = startChildService('sink', env, join(logDir, 'sink.log'));
    services.push(sink);
    const collectorUrl = `http://127.0.0.1:${options.collectorPort}`;
    progress('collector', `starting mcptap collector on ${collectorUrl}`);
    const collector = startChildService('collector', env, join(logDir, 'collector.log'));
    services.push(collector);
    await waitUntil('the collector to be ready', async () => (await fetch(`${collectorUrl}/readyz`)).ok, {
      timeoutMs: 60_000,
      service: collector,
    });
    progress('detectors', 'starting mcptap detectors');
    const detectors = startChildService('detectors', env, join(logDir, 'detectors.log'));
    services.push(detectors);

    const store: Store = await openStore({
      url: addresses.clickhouse,
      username: 'default',
      password: '',
      database: 'mcptap',
    });
    await waitUntil(
      'the sink to create the schema',
      async () => {
        const result = await store.client.query({
          query: 'EXISTS TABLE mcptap.tool_calls',
          format: 'TabSeparated',
        });
        return (await result.text()).trim() === '1';
      },
      { timeoutMs: 60_000, service: sink },
    );
    // Each serves /readyz once it consumes: the sink has subscribed, and the detectors have joined
    // their consumer group before the first event is sent, so none is missed.
    await waitUntil('the sink to subscribe', ready(sinkMetrics), { timeoutMs: 60_000, service: sink });
    await waitUntil('the detectors to join their consumer group', ready(detectorsMetrics), {
      timeoutMs: 60_000,
      service: detectors,
    });
    progress('ready', `logs in ${logDir}; metrics at ${sinkMetrics}/metrics and ${detectorsMetrics}/metrics`);
    const startedMs = Date.now();

    return {
      kind: 'full',
      collectorUrl,
      apiKey,
      tenant,
      observedAlerts: () => observedAlerts(addresses.webhook, tenant, startedMs),
      timeline: (sessionId) => sessionTimeline(store, { tenant, sessionId }),
      users: () => userActivity(store, { tenant }),
      async tamperAndVerify(tampering) {
        // A stopping sink seals every row it stored (the open segment too).
        await sink.stop();
        const startedMs = Date.now();
        await tamper(store, tampering);
        return auditVerifyCommand(
          ['--tenant', tenant],
          {
            MCPTAP_CLICKHOUSE_URL: addresses.clickhouse,
            MCPTAP_CLICKHOUSE_DATABASE: 'mcptap',
            MCPTAP_KAFKA_BROKERS: addresses.kafka,
            MCPTAP_TOPIC_PREFIX: topicPrefix,
            MCPTAP_AUDIT_PUBLIC_KEY_FILE: publicKeyPath(signingKey),
            MCPTAP_AUDIT_CHECKPOINT_FILE: checkpointFile,
          },
          startedMs,
        );
      },
      sessionCommand: (sessionId) =>
        `MCPTAP_CLICKHOUSE_URL=${addresses.clickhouse} node bin/mcptap.js session ${sessionId} --tenant ${tenant}`,
      hints: [
        `ClickHouse: ${addresses.clickhouse} (database mcptap; read-only user mcptap_reader)`,
        `Alertmanager: ${addresses.alertmanager}`,
        `Kafka: ${addresses.kafka} (topics ${topicPrefix}.*)`,
        'Grafana: provision deploy/grafana/provisioning and dashboards/generated (see dashboards/README.md)',
      ],
      problems: () => serviceProblems(services),
      async stop() {
        await stopServices();
        await store.client.close();
        if (!options.keep && !infraWasRunning) await runInfra(['stop'], () => undefined);
      },
    };
  } catch (error) {
    await stopServices();
    throw error;
  }
}

/** A tenant's firing alerts as on-call received them: what the webhook recorder got since `sinceMs`. */
export async function observedAlerts(
  webhookUrl: string,
  tenant: string,
  sinceMs: number,
): Promise<ObservedAlert[]> {
  const response = await fetch(`${webhookUrl}/notifications?since=${sinceMs}`);
  const notifications = (await response.json()) as RecordedNotification[];
  const alerts: ObservedAlert[] = [];
  for (const notification of notifications) {
    for (const alert of notification.body.alerts ?? []) {
      const labels = alert.labels ?? {};
      if (labels.tenant !== tenant || alert.status !== 'firing') continue;
      alerts.push({
        rule: labels.alertname ?? '',
        severity: labels.severity ?? '',
        session: labels.session ?? '',
        server: labels.server ?? '',
        tool: labels.tool ?? '',
        fingerprint: labels.fingerprint ?? '',
        user: labels.user ?? '',
        team: labels.team ?? '',
        summary: alert.annotations?.summary ?? '',
        eventTimeMs: Date.parse(alert.startsAt ?? '') || notification.receivedAt,
        receivedMs: notification.receivedAt,
      });
    }
  }
  return alerts;
}

/** Services that exited, then the warnings and errors in their logs (the newest, at most MAX_PROBLEM_LINES). */
export async function serviceProblems(services: readonly ChildService[]): Promise<string[]> {
  const exited = services
    .filter((service) => service.process.exitCode !== null || service.process.signalCode !== null)
    .map(
      (service) =>
        `${service.name} exited (${service.process.exitCode ?? service.process.signalCode}); see ${service.logPath}`,
    );
  const logged: string[] = [];
  for (const service of services) {
    for (const line of (await readLog(service.logPath)).split('\n')) {
      if (!/"level":"(warn|error)"/.test(line)) continue;
      logged.push(`${service.name}: ${line.slice(0, 600)}`);
    }
  }
  return [...exited, ...logged.slice(-MAX_PROBLEM_LINES)];
}

function readLog(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}
