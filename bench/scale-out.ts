// Scale-out, proven on this machine: two collectors, two detector instances (one consumer group) and
// two sinks (one group) on the three-broker Kafka of `scripts/infra.sh start kafka-cluster`, the
// ClickHouse server (a database of its own) and Alertmanager. Steady load of OTLP protobuf bodies as
// the shim's exporter encodes them, alternating between the collectors; mid-run one broker and one
// detector instance are stopped, later the broker returns. Checked at the end:
//   - every event a collector acknowledged (HTTP 200) is stored exactly once (FINAL, by event id);
//   - the cross-partition detectors (tool_shadowing, catalog_drift, fleet_divergence) fired once per
//     alert at Alertmanager (notifications per fingerprint), for catalogs sent before, during and
//     after the failures;
//   - the consumer lag of both groups is back to 0 after the broker returned.
// Prints the figures as one JSON line and exits 1 when a check failed.
//
//   npm run bench:scale-out            (node --import tsx bench/scale-out.ts [--seconds 60] [--rate 400])
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { hashApiKey } from '../collector/index.js';
import { startChildService, waitUntil, type ChildService } from '../demo/child-service.js';
import { canonicalHash, canonicalJson, capContent, topicNames, type McpEvent } from '../model/index.js';
import { openStore } from '../storage/index.js';
import { otlpProtobufBody } from '../test/collector/otel-sdk.js';
import { mcpSizedToolCall } from '../test/collector/sample-events.js';

/** What Alertmanager's webhook posts, as the recorder keeps it (only what is read here). */
interface Notification {
  body: { alerts?: Array<{ status?: string; labels?: Record<string, string> }> };
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CROSS_PARTITION_RULES = ['tool_shadowing', 'catalog_drift', 'fleet_divergence'] as const;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '400' },
  },
});
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);
const BATCH = 20;

const env = process.env;
const port = (name: string, fallback: number) => Number(env[name] || fallback);
const brokers = [0, 1, 2].map((n) => `127.0.0.1:${port('MCPTAP_KAFKA_CLUSTER_PORT', 29092) + n}`);
const clickhouseUrl = `http://127.0.0.1:${port('MCPTAP_CLICKHOUSE_HTTP_PORT', 18123)}`;
const alertmanagerUrl = `http://127.0.0.1:${port('MCPTAP_ALERTMANAGER_PORT', 19094)}`;
const webhookUrl = `http://127.0.0.1:${port('MCPTAP_WEBHOOK_PORT', 19095)}`;

function infra(...command: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO_ROOT, 'scripts', 'infra.sh'), ...command], {
      stdio: ['ignore', 'ignore', command[0] === 'status' ? 'ignore' : 'inherit'],
    });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`infra.sh ${command.join(' ')} exited ${code}`)),
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (what: string) => console.error(`scale-out: ${new Date().toISOString().slice(11, 19)} ${what}`);

/** A catalog of `tools` listed by `server` on `host`, as the shim reports one. */
function catalogEvent(
  server: string,
  tools: Array<{ name: string; description: string }>,
  host: string,
  session: string,
): McpEvent {
  return {
    event_id: `e-${randomUUID()}`,
    time: new Date().toISOString(),
    tenant: 'claimed-by-payload',
    host_id: host,
    session_id: session,
    turn_id: '',
    user_id: '',
    team: '',
    user_source: '',
    kind: 'catalog',
    server_name: server,
    server_id: `${server}-id`,
    server_version: '1.0.0',
    catalog_kind: 'tools',
    trigger: 'initialize',
    hash: canonicalHash(tools),
    previous_hash: '',
    item_count: tools.length,
    items: capContent(canonicalJson(tools), 1 << 20),
    diff: { added: [], removed: [], changed: [] },
    instructions: '',
  };
}

/**
 * Catalogs that make each cross-partition detector fire once, on servers named for the wave so that
 * each wave's alerts are new: a server whose catalog changes on one host (drift), a server version
 * listing two catalogs on two hosts (fleet divergence), and a look-alike of another server's tool
 * (shadowing).
 */
function crossPartitionWave(wave: number): McpEvent[] {
  const docs = [{ name: 'search_docs', description: 'Search the documentation.' }];
  const docsChanged = [...docs, { name: 'delete_page', description: 'Delete a page of the documentation.' }];
  const wiki = [{ name: 'read_page', description: 'Read a wiki page.' }];
  const wikiOther = [{ name: 'read_page', description: 'Read a wiki page and its history.' }];
  const session = `cross-${wave}`;
  return [
    catalogEvent(`docs${wave}`, docs, 'host-a', session),
    catalogEvent(`docs${wave}`, docsChanged, 'host-a', session),
    catalogEvent(`wiki${wave}`, wiki, 'host-a', session),
    catalogEvent(`wiki${wave}`, wikiOther, 'host-b', session),
    catalogEvent(
      `mail${wave}`,
      [{ name: `send_email${wave}`, description: 'Send an e-mail.' }],
      'host-a',
      session,
    ),
    catalogEvent(
      `notes${wave}`,
      [{ name: `send_email${wave}_fast`, description: 'Send an e-mail faster.' }],
      'host-a',
      session,
    ),
  ];
}

interface Sender {
  acked: Set<string>;
  requests: number;
  refused: number;
  failed: number;
}

/** Posts one body until a collector acknowledges it, alternating collectors on each try. */
async function deliver(
  collectors: string[],
  apiKey: string,
  events: McpEvent[],
  sender: Sender,
  start: number,
): Promise<void> {
  const body = await otlpProtobufBody(events);
  for (let attempt = 0; ; attempt++) {
    const url = `${collectors[(start + attempt) % collectors.length]}/v1/traces`;
    sender.requests++;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'x-mcptap-api-key': apiKey },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) {
        for (const event of events) sender.acked.add(event.event_id);
        return;
      }
      sender.refused++;
    } catch {
      sender.failed++;
    }
    await sleep(Math.min(2_000, 100 * 2 ** attempt));
  }
}

/**
 * The detector instance (0 or 1) that consumes the partition holding the tenant's catalogs: the only
 * catalog partition with records in this run's topics. Instances are told apart by client id.
 */
async function catalogOwner(
  admin: ReturnType<Kafka['admin']>,
  run: string,
  groupId: string,
): Promise<number> {
  const topic = topicNames(run).catalog;
  const partition = (await admin.fetchTopicOffsets(topic)).find((p) => Number(p.high) > 0)?.partition;
  if (partition === undefined) throw new Error(`no catalog record on ${topic} yet`);
  const [group] = (await admin.describeGroups([groupId])).groups;
  for (const member of group?.members ?? []) {
    const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    if (assignment?.assignment[topic]?.includes(partition)) return Number(member.clientId.slice(-1)) - 1;
  }
  throw new Error(`no member of ${groupId} owns ${topic} partition ${partition}`);
}

async function consumerLag(admin: ReturnType<Kafka['admin']>, groupId: string): Promise<number> {
  let lag = 0;
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const { partition, offset } of partitions) {
      const end = Number(ends.find((e) => e.partition === partition)?.high ?? 0);
      lag += end - Math.max(0, Number(offset));
    }
  }
  return lag;
}

async function main(): Promise<number> {
  const began = Date.now();
  // The three-broker Kafka is this benchmark's own: stopped at the end unless it already ran.
  const clusterWasRunning = await infra('status', 'kafka-cluster').then(
    () => true,
    () => false,
  );
  log('starting kafka-cluster, clickhouse, alertmanager, webhook');
  await infra('start', 'kafka-cluster', 'clickhouse', 'webhook', 'alertmanager');
  const run = `scale_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const tenant = `tenant-${run}`;
  const apiKey = `mcptap-${randomBytes(16).toString('hex')}`;
  const workDir = mkdtempSync(join(tmpdir(), 'mcptap-scale-out-'));
  const common: Record<string, string> = {
    MCPTAP_KAFKA_BROKERS: brokers.join(','),
    MCPTAP_TOPIC_PREFIX: run,
    MCPTAP_TOPIC_PARTITIONS: '6',
    MCPTAP_TOPIC_REPLICATION: '3',
    MCPTAP_CLICKHOUSE_URL: clickhouseUrl,
    MCPTAP_CLICKHOUSE_DATABASE: run,
    MCPTAP_ALERTMANAGER_URL: alertmanagerUrl,
    MCPTAP_COLLECTOR_API_KEYS: `${tenant}:${hashApiKey(apiKey)}`,
    MCPTAP_SINK_BATCH_WAIT_MS: '200',
    MCPTAP_SINK_GROUP_ID: `${run}-sink`,
    MCPTAP_DETECTORS_GROUP: `${run}-detectors`,
  };
  const basePort = 24000 + Math.floor(Math.random() * 500) * 8;
  const services: ChildService[] = [];
  const start = (command: string, n: number, extra: Record<string, string>) => {
    const service = startChildService(command, { ...common, ...extra }, join(workDir, `${command}-${n}.log`));
    services.push(service);
    return service;
  };
  const collectors = [0, 1].map((n) => `http://127.0.0.1:${basePort + n}`);
  const metrics = (n: number) => `127.0.0.1:${basePort + 2 + n}`;
  const store = await openStore({ url: clickhouseUrl, username: 'default', password: '', database: run });
  const kafka = new Kafka({ clientId: 'mcptap-scale-out', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ready = (address: string) => async () => (await fetch(`http://${address}/readyz`)).ok;
  const result: Record<string, unknown> = { run, seconds: SECONDS, offered_events_per_s: RATE, brokers: 3 };
  const failures: string[] = [];
  try {
    const sinks = [0, 1].map((n) => start('sink', n, { MCPTAP_SINK_METRICS_LISTEN: metrics(n) }));
    await waitUntil('the first sink to migrate and subscribe', ready(metrics(0)), {
      timeoutMs: 120_000,
      service: sinks[0],
    });
    await waitUntil('the second sink to subscribe', ready(metrics(1)), {
      timeoutMs: 120_000,
      service: sinks[1],
    });
    for (const n of [0, 1]) {
      const collector = start('collector', n, { MCPTAP_COLLECTOR_LISTEN: `127.0.0.1:${basePort + n}` });
      await waitUntil(`collector ${n + 1}`, async () => (await fetch(`${collectors[n]}/readyz`)).ok, {
        timeoutMs: 60_000,
        service: collector,
      });
    }
    const detectors = [0, 1].map((n) =>
      start('detectors', n, {
        MCPTAP_DETECTORS_METRICS_LISTEN: metrics(2 + n),
        MCPTAP_KAFKA_CLIENT_ID: `${run}-detectors-${n + 1}`,
      }),
    );
    for (const n of [0, 1])
      await waitUntil(`detectors ${n + 1} in their group`, ready(metrics(2 + n)), {
        timeoutMs: 120_000,
        service: detectors[n],
      });
    log(`pipeline up (logs in ${workDir}); load ${RATE} events/s for ${SECONDS} s`);

    const sender: Sender = { acked: new Set(), requests: 0, refused: 0, failed: 0 };
    const loadStart = Date.now();
    const loadEnd = loadStart + SECONDS * 1000;
    const inFlight = new Set<Promise<void>>();
    const phases = [
      { atS: 0.1, what: 'wave 1 of cross-partition catalogs' },
      { atS: 0.3, what: "stop broker 2 and the detector instance that owns the tenant's catalogs" },
      { atS: 0.4, what: 'wave 2 (broker 2 and that detector instance down)' },
      { atS: 0.6, what: 'broker 2 back' },
      { atS: 0.75, what: 'wave 3 (after the broker returned)' },
    ];
    let sent = 0;
    let batchNo = 0;
    let wave = 0;
    const timings: Record<string, number> = {};
    const failuresDone: Array<Promise<void>> = [];
    let stopped: ChildService | undefined;
    const waves: Array<Promise<void>> = [];
    while (Date.now() < loadEnd) {
      const elapsedS = (Date.now() - loadStart) / 1000;
      while (phases.length > 0 && elapsedS >= phases[0]!.atS * SECONDS) {
        const phase = phases.shift()!;
        log(phase.what);
        timings[phase.what] = Math.round(elapsedS);
        if (phase.what.startsWith('wave')) {
          wave++;
          const p = deliver(collectors, apiKey, crossPartitionWave(wave), sender, batchNo++);
          waves.push(p);
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        } else if (phase.what.startsWith('stop')) {
          await Promise.all(waves);
          const owner = await catalogOwner(admin, run, common.MCPTAP_DETECTORS_GROUP!);
          stopped = detectors[owner]!;
          result.stopped_detector = `detectors ${owner + 1} (owner of the catalog partition)`;
          failuresDone.push(
            infra('stop', 'kafka-cluster-2'),
            stopped.stop().then(() => undefined),
          );
        } else {
          failuresDone.push(infra('start', 'kafka-cluster-2'));
        }
      }
      const due = Math.floor(((Date.now() - loadStart) / 1000) * RATE);
      while (sent + BATCH <= due && inFlight.size < 64) {
        const session = `load-${batchNo % 97}`;
        const events = Array.from({ length: BATCH }, (_, i) => mcpSizedToolCall(session, sent + i));
        const p = deliver(collectors, apiKey, events, sender, batchNo++);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        sent += BATCH;
      }
      await sleep(20);
    }
    await Promise.all(inFlight);
    await Promise.all(failuresDone);
    const loadSeconds = (Date.now() - loadStart) / 1000;
    log(`load done: ${sender.acked.size} events acknowledged in ${loadSeconds.toFixed(1)} s`);
    Object.assign(result, {
      load_seconds: Number(loadSeconds.toFixed(1)),
      acked_events: sender.acked.size,
      acked_events_per_s: Math.round(sender.acked.size / loadSeconds),
      requests: sender.requests,
      refused_503: sender.refused,
      failed_connections: sender.failed,
      phases_at_s: timings,
    });

    // Lag back to 0 in both groups (the broker returned during the load).
    const lagStart = Date.now();
    let lags = { sink: -1, detectors: -1 };
    await waitUntil(
      'consumer lag of the sinks and the remaining detector instance to reach 0',
      async () => {
        lags = {
          sink: await consumerLag(admin, common.MCPTAP_SINK_GROUP_ID!),
          detectors: await consumerLag(admin, common.MCPTAP_DETECTORS_GROUP!),
        };
        return lags.sink === 0 && lags.detectors === 0;
      },
      { timeoutMs: 180_000 },
    ).catch((error: unknown) => failures.push(`${String(error)} (last lag ${JSON.stringify(lags)})`));
    result.lag_zero_after_load_s = Number(((Date.now() - lagStart) / 1000).toFixed(1));
    result.final_lag = lags;

    // Every acknowledged event stored exactly once.
    const ids = [...sender.acked];
    const stored = new Map<string, number>();
    for (const table of ['tool_calls', 'catalog_snapshots']) {
      const rows = await (
        await store.client.query({
          query: `SELECT event_id, count() AS n FROM ${run}.${table} FINAL GROUP BY event_id`,
          format: 'JSONEachRow',
        })
      ).json<{ event_id: string; n: string }>();
      for (const row of rows) stored.set(row.event_id, Number(row.n));
    }
    const missing = ids.filter((id) => !stored.has(id));
    const duplicated = ids.filter((id) => (stored.get(id) ?? 0) > 1);
    Object.assign(result, {
      stored_acked: ids.length - missing.length,
      missing: missing.length,
      duplicated: duplicated.length,
    });
    if (missing.length > 0) failures.push(`${missing.length} acknowledged events not stored`);
    if (duplicated.length > 0)
      failures.push(`${duplicated.length} acknowledged events stored more than once`);

    // Cross-partition alerts: each fingerprint notified once, every rule for every wave.
    await sleep(5_000);
    const notifications = (await (
      await fetch(`${webhookUrl}/notifications?since=${began}`)
    ).json()) as Notification[];
    const firings = new Map<string, { rule: string; server: string; count: number }>();
    for (const notification of notifications) {
      for (const alert of notification.body.alerts ?? []) {
        const labels = alert.labels ?? {};
        if (labels.tenant !== tenant || alert.status !== 'firing') continue;
        if (!(CROSS_PARTITION_RULES as readonly string[]).includes(labels.alertname ?? '')) continue;
        const key = labels.fingerprint ?? '';
        const entry = firings.get(key) ?? {
          rule: labels.alertname ?? '',
          server: labels.server ?? '',
          count: 0,
        };
        entry.count++;
        firings.set(key, entry);
      }
    }
    const perRule = Object.fromEntries(
      CROSS_PARTITION_RULES.map((rule) => [
        rule,
        [...firings.values()].filter((f) => f.rule === rule).length,
      ]),
    );
    const repeated = [...firings.values()].filter((f) => f.count > 1);
    Object.assign(result, { cross_partition_alerts: perRule, notified_more_than_once: repeated.length });
    for (const rule of CROSS_PARTITION_RULES) {
      for (let w = 1; w <= wave; w++) {
        if (![...firings.values()].some((f) => f.rule === rule && f.server.endsWith(String(w))))
          failures.push(`${rule} did not fire for wave ${w}`);
      }
    }
    if (repeated.length > 0)
      failures.push(
        `notified more than once: ${repeated.map((r) => `${r.rule}/${r.server}×${r.count}`).join(', ')}`,
      );
    const problems = services.filter((s) => s !== stopped && s.process.exitCode !== null);
    if (problems.length > 0) failures.push(`exited: ${problems.map((s) => s.logPath).join(', ')}`);
  } finally {
    for (const service of services.reverse()) await service.stop();
    // The cluster may be kept running between runs: leave none of this run's topics on it.
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${run}.`));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await store.client.command({ query: `DROP DATABASE IF EXISTS ${run}` }).catch(() => undefined);
    await store.client.close();
    if (!clusterWasRunning) await infra('stop', 'kafka-cluster');
  }
  result.failures = failures;
  result.total_seconds = Math.round((Date.now() - began) / 1000);
  console.log(JSON.stringify(result));
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  },
);
