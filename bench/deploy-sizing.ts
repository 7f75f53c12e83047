// The figures of deploy/README.md's sizing that the other benches do not give: the collector, the
// detectors and the sink as deployed (the compiled image's code when dist/ exists, `npm run build`),
// fed the demo's event mix through the shim's exporter at a steady rate, on the local servers of
// scripts/infra.sh. Prints each service's CPU per event and resident memory (median and peak over
// the steady part), Kafka's bytes per event (the run's topic segments on disk) and ClickHouse's
// (system.parts: on disk and uncompressed, so the compression ratio).
//
//   node --import tsx bench/deploy-sizing.ts [EVENTS_PER_SECOND=1000] [SECONDS=60]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashApiKey } from '../collector/index.js';
import { startChildService, waitUntil, type ChildService } from '../demo/child-service.js';
import { startMcptap } from '../shim/index.js';
import { openStore, sqlLiteral } from '../storage/index.js';
import { emitEvents } from '../test/collector/otel-sdk.js';
import { ensureInfra, infraEndpoints, uniqueName } from '../test/support/infra.js';
import { demoMix } from './capture-bodies.js';
import { formatSpread, spread, treeCpuSeconds, treeRssBytes } from './process-stats.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMPILED = join(REPO_ROOT, 'dist', 'cli', 'mcptap.js');
const rate = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 60);
const MCPTAP_HOME = process.env.MCPTAP_HOME ?? join(REPO_ROOT, '.mcptap');

await ensureInfra();
const infra = infraEndpoints();
const run = uniqueName('sizing');
const apiKey = `sizing-${run}`;
const workDir = mkdtempSync(join(tmpdir(), 'mcptap-sizing-'));
const env: Record<string, string> = {
  MCPTAP_KAFKA_BROKERS: infra.kafkaBrokers.join(','),
  MCPTAP_TOPIC_PREFIX: run,
  MCPTAP_CLICKHOUSE_URL: infra.clickhouseUrl,
  MCPTAP_CLICKHOUSE_DATABASE: run,
  MCPTAP_SINK_GROUP_ID: `${run}-sink`,
  MCPTAP_DETECTORS_GROUP: `${run}-detectors`,
  // The shared Alertmanager is not loaded with a benchmark's alerts: they go to the alerts topic.
  MCPTAP_ALERTMANAGER_URL: 'off',
  MCPTAP_COLLECTOR_LISTEN: '127.0.0.1:24318',
  MCPTAP_COLLECTOR_API_KEYS: `sizing:${hashApiKey(apiKey)}`,
  MCPTAP_SINK_METRICS_LISTEN: '127.0.0.1:24465',
  MCPTAP_DETECTORS_METRICS_LISTEN: '127.0.0.1:24466',
  MCPTAP_LOG_LEVEL: 'warn',
};
const entry = existsSync(COMPILED) ? { entry: COMPILED } : {};
console.log(`services from ${existsSync(COMPILED) ? 'dist/ (compiled)' : 'the sources (tsx)'}`);

const services: ChildService[] = [];
const roles = ['sink', 'collector', 'detectors'] as const;
const ports = { sink: 24465, collector: 24318, detectors: 24466 };
try {
  for (const role of roles) {
    const child = startChildService(role, env, join(workDir, `${role}.log`), entry);
    services.push(child);
    await waitUntil(`${role} ready`, async () => (await fetch(`http://127.0.0.1:${ports[role]}/readyz`)).ok, {
      timeoutMs: 120_000,
      service: child,
    });
  }
  const pids = Object.fromEntries(services.map((s) => [s.name, s.process.pid ?? 0]));
  const shim = startMcptap({
    endpoint: `http://127.0.0.1:${ports.collector}`,
    apiKey,
    registerGlobal: false,
    maxQueueSize: 65_536,
    scheduledDelayMillis: 100,
  });
  const cpuBefore = Object.fromEntries(roles.map((r) => [r, treeCpuSeconds(pids[r] ?? 0)]));
  const rss: Record<string, number[]> = { sink: [], collector: [], detectors: [] };
  // Whole hundreds of events, so that every batch has the demo's mix of kinds.
  const perTick = 100;
  const tickMs = (perTick * 1000) / rate;
  const started = Date.now();
  let sent = 0;
  for (let tick = 0; Date.now() - started < seconds * 1000; tick++) {
    // demoMix repeats its non-tool-call events; each gets an id of its own, as real traffic has.
    const events = demoMix(perTick, Date.now()).map((event, n) => ({
      ...event,
      event_id: `${run}-${tick}-${n}`,
    }));
    emitEvents(shim.tracer, events);
    sent += perTick;
    // After a warm-up fifth, sample memory once a second.
    if (tick % Math.max(1, Math.round(1000 / tickMs)) === 0 && Date.now() - started > seconds * 200) {
      for (const role of roles) rss[role]?.push(treeRssBytes(pids[role] ?? 0));
    }
    const due = started + (tick + 1) * tickMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  }
  await shim.shutdown();

  const store = await openStore({
    url: infra.clickhouseUrl,
    username: 'default',
    password: '',
    database: run,
  });
  const storedRows = async () => {
    const result = await store.client.query({
      // No query parameters: ClickHouse 18.16 has none.
      query: `SELECT sum(rows) AS rows, sum(bytes_on_disk) AS disk, sum(data_uncompressed_bytes) AS raw FROM system.parts WHERE database = ${sqlLiteral(run)} AND active`,
      format: 'JSONEachRow',
    });
    const [row] = (await result.json()) as { rows: string; disk: string; raw: string }[];
    return { rows: Number(row?.rows ?? 0), disk: Number(row?.disk ?? 0), raw: Number(row?.raw ?? 0) };
  };
  // The shim drops what its queue cannot take on a busy machine: count what the collector accepted.
  const metrics = await (await fetch(`http://127.0.0.1:${ports.collector}/metrics`)).text();
  const accepted = Number(/^mcptap_collector_spans_received_total (\d+)/m.exec(metrics)?.[1] ?? 0);
  let last = -1;
  await waitUntil(
    'the sink to store every accepted event',
    async () => {
      const { rows } = await storedRows();
      const settled = rows === last && rows >= accepted;
      last = rows;
      return settled;
    },
    { timeoutMs: 600_000 },
  ).catch((error: Error) => console.log(`(${error.message}: the figures below are of what was stored)`));
  const wallSeconds = (Date.now() - started) / 1000;
  const stored = await storedRows();

  console.log(
    `${sent} events offered at ${rate}/s for ${seconds} s (demo mix), ${accepted} accepted by the collector; ` +
      `${stored.rows} rows stored (events, alerts and the schema's own)`,
  );
  for (const role of roles) {
    const cpu = treeCpuSeconds(pids[role] ?? 0) - (cpuBefore[role] ?? 0);
    const events = role === 'sink' ? stored.rows : accepted;
    const mib = (rss[role] ?? []).map((b) => b / 2 ** 20);
    console.log(
      `${role.padEnd(9)} ${((cpu * 1e6) / events).toFixed(0)} µs CPU/event ≈ ${Math.round(events / cpu)} events per CPU-second; ` +
        `RSS MiB ${formatSpread(spread(mib))} (median, range over ${mib.length} samples; ${wallSeconds.toFixed(0)} s)`,
    );
  }
  const kafkaData = join(MCPTAP_HOME, 'infra', 'kafka', 'data');
  let kafkaBytes = 0;
  for (const dir of readdirSync(kafkaData).filter((d) => d.startsWith(`${run}.`))) {
    for (const file of readdirSync(join(kafkaData, dir)).filter((f) => f.endsWith('.log'))) {
      kafkaBytes += statSync(join(kafkaData, dir, file)).size;
    }
  }
  console.log(
    `Kafka: ${kafkaBytes} B in the run's topics = ${(kafkaBytes / accepted).toFixed(0)} B per event (replication 1)`,
  );
  console.log(
    `ClickHouse: ${stored.disk} B on disk, ${stored.raw} B uncompressed = ${(stored.disk / stored.rows).toFixed(0)} B per row ` +
      `on disk, ${(stored.raw / stored.rows).toFixed(0)} B uncompressed (${(stored.raw / stored.disk).toFixed(1)}:1)`,
  );
  await store.client.command({ query: `DROP DATABASE IF EXISTS ${run}` });
  await store.client.close();
} finally {
  for (const service of services.reverse()) await service.stop();
}
