/**
 * Detector cost and latency on a demo-like mix (benign sessions with every corpus attack
 * interleaved, one session in ten an attack).
 *  - in-process: the engine's CPU time per event after a warm-up pass (the embedded mode's budget),
 *    events/s, and the per-event processing time p50/p99;
 *  - with --kafka: `mcptap detectors` in its own process on the local Kafka and Alertmanager
 *    (scripts/infra.sh start kafka alertmanager). Events are offered at a fixed rate (--rate for
 *    --seconds, --runs times); latency is from the moment Kafka acknowledged an event (when the
 *    collector would answer its host) to the alert arriving in Alertmanager (its `updatedAt`), with
 *    the service's CPU per event; how late the load generator got its events into Kafka is shown
 *    apart (the broker shares the 2 cores). Then the
 *    offered rate is raised step by step (--search-seconds each) up to the highest the service
 *    sustains: every alert in Alertmanager with p99 ≤ 1 s, and the backlog gone within 1 s of the
 *    end.
 * Usage: node --import tsx bench/detectors-throughput.ts [--sessions N] [--runs N] [--kafka]
 *          [--rate 5000] [--seconds 20] [--search-seconds 10]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Admin } from 'kafkajs';
import {
  EVENT_SCHEMA_VERSION,
  isoTime,
  keyForEvent,
  RECORD_HEADERS,
  topicForEvent,
  topicNames,
  type McpEvent,
  type TopicNames,
} from '../model/index.js';
import {
  createKafka,
  createRecordProducer,
  silentLogger,
  type OutgoingRecord,
  type RecordProducer,
} from '../platform/index.js';
import { createDetectorEngine, defaultRules, replayTranscript } from '../detectors/index.js';
import { formatSpread, spread, treeCpuSeconds } from './process-stats.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    kafka: { type: 'boolean', default: false },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    'search-seconds': { type: 'string', default: '10' },
  },
});
const SESSIONS = Number(values.sessions);
const RUNS = Number(values.runs);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SEARCH_SECONDS = Number(values['search-seconds']);
const SEARCH_RATES = [1000, 2000, 3000, 4000, 5000, 6000, 8000, 10_000, 12_500, 15_000, 20_000, 25_000];
/** How long a step may take to deliver its alerts and drain before the run gives up. */
const STEP_DEADLINE_MS = 120_000;
const TARGET_P99_MS = 1000;
const ALERTMANAGER_URL = process.env.MCPTAP_ALERTMANAGER_URL ?? 'http://127.0.0.1:19094';
const BROKERS = process.env.MCPTAP_KAFKA_BROKERS ?? '127.0.0.1:19092';
const REPO_ROOT = join(import.meta.dirname, '..');

const rules = defaultRules();
const transcripts = join(REPO_ROOT, 'test', 'corpus', 'transcripts');
const templates = readdirSync(transcripts)
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => ({
    attack: !f.startsWith('benign'),
    events: replayTranscript(readFileSync(join(transcripts, f), 'utf8'), {
      rules,
      tenant: 'bench',
      hostId: 'h',
    }).events,
  }));
const benign = templates.filter((t) => !t.attack);
const attacks = templates.filter((t) => t.attack);

/**
 * Whole sessions until at least `count` events: one in ten is an attack; each session has its own
 * ids and the time `sessionMs(s)`.
 */
function mix(tenant: string, count: number, sessionMs: (session: number) => number): McpEvent[] {
  const out: McpEvent[] = [];
  for (let s = 0; out.length < count; s++) {
    const pool = s % 10 === 9 ? attacks : benign;
    const template = pool[s % pool.length];
    if (template === undefined) throw new Error(`no transcripts in ${transcripts}`);
    const time = isoTime(sessionMs(s));
    for (const event of template.events) {
      const copy = { ...event, tenant, event_id: `${s}-${event.event_id}`, session_id: `b-${s}`, time };
      // Through JSON, as events arrive from Kafka or the collector (flat strings, not concatenations).
      out.push(JSON.parse(JSON.stringify(copy)) as McpEvent);
    }
  }
  return out;
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fingerprint → id of the event that raised it, for every alert the engine raises on `events`. */
function expectedAlerts(events: readonly McpEvent[]): Map<string, string> {
  const engine = createDetectorEngine(rules);
  const raisedBy = new Map<string, string>();
  for (const event of events) {
    for (const alert of engine.process(event)) raisedBy.set(alert.fingerprint, event.event_id);
  }
  return raisedBy;
}

interface InProcessRun {
  events: number;
  alerts: number;
  cpuUsPerEvent: number;
  eventsPerSecond: number;
  p50Us: number;
  p99Us: number;
}

function inProcessRun(run: number): InProcessRun {
  // A first pass on its own engine and tenant compiles the hot paths, as in a long-running service.
  const warm = createDetectorEngine(rules);
  for (const event of mix(`warm-${run}`, SESSIONS * 10, (s) => Date.now() + s * 10)) warm.process(event);
  const events = mix(`bench-${run}`, SESSIONS * 10, (s) => Date.now() + s * 10);
  const engine = createDetectorEngine(rules);
  const times = new Float64Array(events.length);
  let alerts = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) {
    const s = performance.now();
    alerts += engine.process(events[i] as McpEvent).length;
    times[i] = performance.now() - s;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  times.sort();
  return {
    events: events.length,
    alerts,
    cpuUsPerEvent: (cpu.user + cpu.system) / events.length,
    eventsPerSecond: events.length / elapsed,
    p50Us: pct([...times], 50) * 1000,
    p99Us: pct([...times], 99) * 1000,
  };
}

const inProcess: InProcessRun[] = [];
for (let r = 0; r < RUNS; r++) inProcess.push(inProcessRun(r));
const first = inProcess[0] as InProcessRun;
console.log(
  `in-process engine: ${first.events} events (${SESSIONS} sessions, 10% attacks, ${first.alerts} alerts), ${RUNS} runs after a warm-up pass, median (min–max)`,
);
console.log(
  `  CPU per event ${formatSpread(spread(inProcess.map((r) => r.cpuUsPerEvent)), 1)} µs; ${formatSpread(spread(inProcess.map((r) => r.eventsPerSecond)))} events/s`,
);
console.log(
  `  per-event processing p50 ${formatSpread(spread(inProcess.map((r) => r.p50Us)), 1)} µs, p99 ${formatSpread(spread(inProcess.map((r) => r.p99Us)))} µs`,
);

/** `mcptap detectors` as operators run it, on fresh topics; resolves once it consumes. */
async function startService(prefix: string): Promise<ChildProcess> {
  // BENCH_SERVICE_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the service.
  const flags = (process.env.BENCH_SERVICE_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const child = spawn(process.execPath, [...flags, join(REPO_ROOT, 'bin', 'mcptap.js'), 'detectors'], {
    env: {
      ...process.env,
      MCPTAP_KAFKA_BROKERS: BROKERS,
      MCPTAP_TOPIC_PREFIX: prefix,
      MCPTAP_DETECTORS_GROUP: `${prefix}-detectors`,
      MCPTAP_ALERTMANAGER_URL: ALERTMANAGER_URL,
      // No re-posting during the run: Alertmanager's updatedAt stays the first arrival.
      MCPTAP_ALERT_RESEND_MS: String(3_600_000),
      MCPTAP_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`mcptap detectors exited with ${code}:\n${log}`);
  });
  return child;
}

/** Arrival time (ms) in Alertmanager per fingerprint, for the alerts of one tenant. */
async function alertmanagerArrivals(tenant: string): Promise<Map<string, number>> {
  const url = new URL('/api/v2/alerts', ALERTMANAGER_URL);
  url.searchParams.set('filter', `tenant="${tenant}"`);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Alertmanager ${url} answered ${response.status}`);
  const alerts = (await response.json()) as Array<{ labels: Record<string, string>; updatedAt: string }>;
  return new Map(alerts.map((a) => [a.labels.fingerprint ?? '', Date.parse(a.updatedAt)]));
}

async function groupLag(admin: Admin, topics: TopicNames, groupId: string): Promise<number> {
  let lag = 0;
  for (const topic of [topics.events, topics.catalog]) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    for (const { partition, high } of ends) {
      const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
      lag += Number(high) - Math.max(0, Number(at));
    }
  }
  return lag;
}

interface Step {
  rate: number;
  events: number;
  /** Offered rate the producer reached (below `rate` when it could not keep up). */
  offered: number;
  expected: number;
  arrived: number;
  p50Ms: number;
  p99Ms: number;
  /** From the last event due to the consumer group having committed everything; NaN: not by the deadline. */
  drainMs: number;
  /** Records not consumed at the deadline. */
  lagLeft: number;
  cpuUsPerEvent: number;
  /** The slowest alerts: seconds into the step their event was due, and their latency (ms). */
  slowest: Array<{ dueS: number; latencyMs: number }>;
  produceLag: { dueS: number; latencyMs: number };
}

/**
 * Ends a step's alerts in Alertmanager (the service re-posts none during the run): thousands of
 * active groups, each flushed every group_interval, would keep Alertmanager busy on the shared
 * cores through every later step and benchmark.
 */
async function resolveInAlertmanager(tenant: string): Promise<void> {
  const url = new URL('/api/v2/alerts', ALERTMANAGER_URL);
  url.searchParams.set('filter', `tenant="${tenant}"`);
  const alerts = (await (await fetch(url)).json()) as Array<{ labels: Record<string, string> }>;
  if (alerts.length === 0) return;
  const endsAt = new Date().toISOString();
  const response = await fetch(new URL('/api/v2/alerts', ALERTMANAGER_URL), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts.map(({ labels }) => ({ labels, endsAt }))),
  });
  if (!response.ok) throw new Error(`Alertmanager refused resolving the bench's alerts: ${response.status}`);
}

interface Service {
  child: ChildProcess;
  topics: TopicNames;
  groupId: string;
  producer: RecordProducer;
  admin: Admin;
}

/** Offers `rate` events/s for `seconds` under a new tenant, waits for the alerts and the drain. */
async function step(service: Service, tenant: string, rate: number, seconds: number): Promise<Step> {
  const { child, topics, groupId, producer, admin } = service;
  const n = rate * seconds;
  const startMs = Date.now() + 1000;
  // Sessions carry the time they are produced at (about 10 events each).
  const events = mix(tenant, n, (s) => startMs + Math.floor((s * 10 * 1000) / rate));
  const expected = expectedAlerts(events);
  const index = new Map(events.map((e, i) => [e.event_id, i]));
  // As the collector writes them (its lighter client, so that the producer leaves the CPU to the service).
  const records: OutgoingRecord[] = events.map((e) => ({
    topic: topicForEvent(topics, e),
    key: keyForEvent(e),
    value: JSON.stringify(e),
    headers: {
      [RECORD_HEADERS.kind]: e.kind,
      [RECORD_HEADERS.tenant]: e.tenant,
      [RECORD_HEADERS.schemaVersion]: String(EVENT_SCHEMA_VERSION),
    },
  }));
  const cpu0 = treeCpuSeconds(child.pid as number);
  while (Date.now() < startMs) await sleep(1);
  const dueMs = (i: number) => startMs + (i * 1000) / rate;
  let sent = 0;
  /** The most an event waited past its due time to be acknowledged by Kafka (the load generator's lag). */
  const produceLag = { dueS: 0, latencyMs: 0 };
  const ackedMs = new Float64Array(n);
  while (sent < records.length) {
    // At most 500 records per request: a broker takes about 1 MB per partition batch.
    const due = Math.min(records.length, sent + 500, Math.floor(((Date.now() - startMs) * rate) / 1000) + 1);
    if (due <= sent) {
      await sleep(2);
      continue;
    }
    await producer.send(records.slice(sent, due), 30_000);
    ackedMs.fill(Date.now(), sent, due);
    const lag = { dueS: (dueMs(sent) - startMs) / 1000, latencyMs: Date.now() - dueMs(sent) };
    if (lag.latencyMs > produceLag.latencyMs) Object.assign(produceLag, lag);
    sent = due;
  }
  const offered = n / ((Date.now() - startMs) / 1000);
  const endMs = dueMs(n - 1);
  let drainMs = NaN;
  let arrivals = new Map<string, number>();
  const deadline = Date.now() + STEP_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (Number.isNaN(drainMs) && (await groupLag(admin, topics, groupId)) === 0) drainMs = Date.now() - endMs;
    arrivals = await alertmanagerArrivals(tenant);
    if (!Number.isNaN(drainMs) && [...expected.keys()].every((f) => arrivals.has(f))) break;
    await sleep(100);
  }
  const lagLeft = Number.isNaN(drainMs) ? await groupLag(admin, topics, groupId) : 0;
  await resolveInAlertmanager(tenant);
  const cpuUsPerEvent = ((treeCpuSeconds(child.pid as number) - cpu0) * 1e6) / n;
  const timed: Array<{ dueS: number; latencyMs: number }> = [];
  for (const [fingerprint, eventId] of expected) {
    const at = arrivals.get(fingerprint);
    const i = index.get(eventId) as number;
    if (at !== undefined) timed.push({ dueS: (dueMs(i) - startMs) / 1000, latencyMs: at - ackedMs[i]! });
  }
  timed.sort((a, b) => a.latencyMs - b.latencyMs);
  const latencies = timed.map((t) => t.latencyMs);
  return {
    rate,
    events: n,
    offered,
    expected: expected.size,
    arrived: latencies.length,
    p50Ms: pct(latencies, 50),
    p99Ms: pct(latencies, 99),
    drainMs,
    lagLeft,
    cpuUsPerEvent,
    slowest: timed.slice(-3).reverse(),
    produceLag,
  };
}

function describe(s: Step): string {
  const drain = Number.isNaN(s.drainMs)
    ? `${s.lagLeft} records still unconsumed ${STEP_DEADLINE_MS / 1000} s after the last event`
    : `backlog gone ${s.drainMs.toFixed(0)} ms after the last event`;
  return `${s.rate} events/s offered (${Math.round(s.offered)} reached): ${s.arrived}/${s.expected} alerts, event in Kafka → Alertmanager p50 ${s.p50Ms.toFixed(0)} ms, p99 ${s.p99Ms.toFixed(0)} ms; ${drain}; service CPU ${s.cpuUsPerEvent.toFixed(0)} µs/event; produced at most ${s.produceLag.latencyMs.toFixed(0)} ms late (+${s.produceLag.dueS.toFixed(1)} s); slowest ${s.slowest.map((t) => `${t.latencyMs.toFixed(0)} ms at +${t.dueS.toFixed(1)} s`).join(', ')}`;
}

function sustained(s: Step): boolean {
  return s.arrived === s.expected && s.p99Ms <= TARGET_P99_MS && s.drainMs <= TARGET_P99_MS;
}

if (values.kafka) {
  const prefix = `bench_det_${Date.now().toString(36)}`;
  const topics = topicNames(prefix);
  const kafka = createKafka({ brokers: BROKERS.split(','), clientId: 'bench' }, { logger: silentLogger });
  const child = await startService(prefix);
  const producer = createRecordProducer({
    client: 'platformatic',
    brokers: BROKERS.split(','),
    clientId: 'bench',
    logger: silentLogger,
    requestTimeoutMs: 30_000,
  });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  const service: Service = { child, topics, groupId: `${prefix}-detectors`, producer, admin };
  try {
    // The service creates the topics (produced to before, the broker would create them its way)
    // and joins its group: a slow trickle first.
    while (!(await admin.listTopics()).includes(topics.detectorState)) await sleep(200);
    const warm = await step(service, `${prefix}-warm`, 1000, 5);
    console.log(`kafka warm-up: ${describe(warm)}`);
    const runs: Step[] = [];
    for (let r = 0; r < RUNS; r++) {
      const s = await step(service, `${prefix}-fixed-${r}`, RATE, SECONDS);
      console.log(`kafka run ${r + 1}: ${describe(s)}`);
      runs.push(s);
      // A backlog left behind would be measured by every later step.
      if (Number.isNaN(s.drainMs)) break;
    }
    const cpu = spread(runs.map((s) => s.cpuUsPerEvent));
    console.log(
      `kafka at ${RATE} events/s for ${SECONDS} s, ${runs.length} runs, median (min–max): event in Kafka → Alertmanager p50 ${formatSpread(spread(runs.map((s) => s.p50Ms)))} ms, p99 ${formatSpread(spread(runs.map((s) => s.p99Ms)))} ms; load generator at most ${formatSpread(spread(runs.map((s) => s.produceLag.latencyMs)))} ms late into Kafka; service CPU ${formatSpread(cpu)} µs/event ≈ ${Math.round(1e6 / cpu.median)} events/s per core`,
    );
    let best = 0;
    for (const rate of runs.every((s) => !Number.isNaN(s.drainMs)) ? SEARCH_RATES : []) {
      const s = await step(service, `${prefix}-search-${rate}`, rate, SEARCH_SECONDS);
      console.log(`  search: ${describe(s)}${sustained(s) ? '' : ' — not sustained'}`);
      if (!sustained(s)) break;
      best = rate;
    }
    console.log(`kafka max sustained rate (one instance, ${SEARCH_SECONDS} s steps): ${best} events/s`);
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    // A service stopping under a backlog finishes its batch first; it need not finish the backlog.
    const timer = setTimeout(() => {
      console.log('mcptap detectors did not stop within 30 s of SIGTERM; killed');
      child.kill('SIGKILL');
    }, 30_000);
    await exited;
    clearTimeout(timer);
  }
}
