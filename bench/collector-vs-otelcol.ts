// `mcptap collector` against its anchor, the OpenTelemetry Collector (OTLP/HTTP → batch → Kafka,
// acks=all; bench/otelcol), on the same broker and the same request bodies: those the shim's real
// exporter sends for a demo-like mix of event kinds (bench/capture-bodies.ts), replayed flat out and
// paced by bench/otlp-replay. For each collector and load: accepted spans/s, accepted spans per
// collector CPU-second (the whole process tree, from /proc) and accepted spans missing from Kafka;
// min, median and max of BENCH_RUNS runs. Then the overload scenario: 10× the sustainable rate for
// BENCH_OVERLOAD_SECONDS, answers, Retry-After, peak RSS, and whether it serves again afterwards.
//
//   node --import tsx bench/collector-vs-otelcol.ts          (bash scripts/bench.sh builds the tools)
// Environment: OTELCOL_BIN_DIR (/tmp/otelcol-bench/bin), OTLP_REPLAY (/tmp/mcptap-bench/otlp-replay),
// BENCH_RUNS (3), BENCH_SECONDS (15), BENCH_CONCURRENCY (8), BENCH_OVERLOAD_SECONDS (60),
// BENCH_PACED_RATES (10000: comma list of spans/s measured besides flat out; empty for none),
// BENCH_VARIANTS (comma list of kafkajs:1, platformatic:1, platformatic:auto, otelcol; `:forward`
// after a client and workers runs the fast path, MCPTAP_COLLECTOR_FORWARD_OTLP, e.g. platformatic:1:forward;
// `:compiled` runs the compiled dist/ of `npm run build` instead of the sources through tsx, e.g.
// platformatic:1:forward:compiled), BENCH_OVERLOAD_VARIANTS (platformatic:1; a comma list, same syntax).
// mcptap runs with Node's defaults, as a user runs it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hashApiKey } from '../collector/index.js';
import { topicNames } from '../model/index.js';
import { decodeOtlpRecord } from '../otlp/index.js';
import { createKafka, ensureTopics, silentLogger } from '../platform/index.js';
import { maskSecretsInText } from '../secrets/index.js';
import { ensureInfra, uniqueName, waitFor } from '../test/support/infra.js';
import { captureBodies } from './capture-bodies.js';
import { mcptapNodeArgs, type McptapRuntime } from './mcptap-runtime.js';
import { formatSpread, spread, treeCpuSeconds, treeRssBytes } from './process-stats.js';

const run = promisify(execFile);
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OTELCOL_DIR = process.env.OTELCOL_BIN_DIR ?? '/tmp/otelcol-bench/bin';
const OTELCOL_CONFIG = join(REPO_ROOT, 'bench', 'otelcol', 'collector-kafka-mcp.yaml');
const REPLAY = process.env.OTLP_REPLAY ?? '/tmp/mcptap-bench/otlp-replay';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const OVERLOAD_SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 60);
/** Paced loads measured besides flat out, in spans per second (the normal operating point). */
const PACED_RATES = (process.env.BENCH_PACED_RATES ?? '10000')
  .split(',')
  .filter((rate) => rate.trim() !== '')
  .map(Number);
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'otelcol,kafkajs:1,platformatic:1,platformatic:auto').split(
  ',',
);
const OVERLOAD_VARIANTS = (process.env.BENCH_OVERLOAD_VARIANTS ?? 'platformatic:1').split(',');
/** BENCH_SERVICE_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the collector. */
const serviceNodeFlags = (process.env.BENCH_SERVICE_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const PORT = 14318 + (process.pid % 1000);
const API_KEY = `bench-${process.pid}`;

interface ReplayResult {
  ok_requests: number;
  ok_spans: number;
  ok_spans_per_s: number;
  non200: Record<string, number>;
  non200_with_retry_after: number;
  net_errors: number;
}

async function replay(dir: string, seconds: number, options: { rate?: number; concurrency?: number } = {}) {
  const { stdout } = await run(
    REPLAY,
    [
      '-endpoint',
      `http://127.0.0.1:${PORT}/v1/traces`,
      '-dir',
      dir,
      '-duration',
      `${seconds}s`,
      '-concurrency',
      String(options.concurrency ?? CONCURRENCY),
      '-rate',
      String(options.rate ?? 0),
      '-header',
      `x-mcptap-api-key: ${API_KEY}`,
    ],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as ReplayResult;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function topicRecords(brokers: string[], topics: string[]): Promise<number> {
  const admin = createKafka({ brokers, clientId: 'bench' }, { logger: silentLogger }).admin();
  await admin.connect();
  try {
    let total = 0;
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
    }
    return total;
  } finally {
    await admin.disconnect();
  }
}

interface Measured {
  spansPerSecond: number;
  spansPerCpuSecond: number;
  missing: number;
}

interface Target {
  start(): Promise<ChildProcess>;
  /** Spans in Kafka after the collector stopped. */
  delivered(): Promise<number>;
  /** A check of what it wrote, printed after its first run. */
  check?(): Promise<string>;
}

/**
 * The anchor's records (the kafka exporter's otlp_proto) through the consumers' decoder
 * (otlp-record.ts), as the detectors and the sink read them with MCPTAP_OTLP_TOPIC: the first
 * `records` of the topic, spans in, events out.
 */
async function consumersReadAnchor(brokers: string[], topic: string, records = 10): Promise<string> {
  const kafka = createKafka({ brokers, clientId: 'bench' }, { logger: silentLogger });
  const consumer = kafka.consumer({ groupId: uniqueName('bench_anchor_reader'), maxWaitTimeInMs: 200 });
  const options = {
    tenancy: { recordHeader: false, resourceAttribute: null, defaultTenant: 'bench' },
    mask: maskSecretsInText,
  };
  let read = 0;
  let spans = 0;
  let events = 0;
  let refused = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (read >= records) return;
          read++;
          const decoded = decodeOtlpRecord(message, options);
          if (!decoded.ok) refused++;
          else {
            spans += decoded.value.spans;
            events += decoded.value.events.length;
          }
          if (read === records) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return `consumers' decoder on the anchor's first ${read} records: ${spans} spans → ${events} events, ${refused} records refused`;
}

/** Spans in an otlp_proto topic, counted by the anchor's spancount after the collector stopped. */
async function otlpTopicSpans(brokers: string[], topic: string): Promise<number> {
  const { stdout } = await run(join(OTELCOL_DIR, 'spancount'), [
    '-brokers',
    brokers[0]!,
    '-topic',
    topic,
    '-timeout',
    '60s',
  ]);
  const counted = JSON.parse(stdout.trim().split('\n').pop()!) as { spans?: number };
  return Number(counted.spans ?? NaN);
}

function mcptapTarget(
  brokers: string[],
  client: string,
  workers: string,
  forward: boolean,
  runtime: McptapRuntime,
): Target {
  const prefix = uniqueName('bench_collector');
  const topics = topicNames(prefix);
  const otlpTopic = `${prefix}.otlp.v1`;
  const forwardEnv = forward
    ? {
        MCPTAP_COLLECTOR_FORWARD_OTLP: 'true',
        MCPTAP_OTLP_TOPIC: otlpTopic,
        MCPTAP_OTLP_TENANT_HEADER: 'true',
      }
    : {};
  return {
    async start() {
      const child = spawn(process.execPath, [...mcptapNodeArgs(runtime, serviceNodeFlags), 'collector'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          MCPTAP_KAFKA_BROKERS: brokers.join(','),
          MCPTAP_TOPIC_PREFIX: prefix,
          MCPTAP_COLLECTOR_LISTEN: `127.0.0.1:${PORT}`,
          MCPTAP_COLLECTOR_API_KEYS: `bench:${hashApiKey(API_KEY)}`,
          MCPTAP_COLLECTOR_RATE_LIMIT_SPANS: '0',
          MCPTAP_COLLECTOR_KAFKA_CLIENT: client,
          MCPTAP_COLLECTOR_WORKERS: workers,
          MCPTAP_LOG_LEVEL: 'warn',
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
          ...forwardEnv,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${PORT}/readyz`).catch(() => undefined))?.ok, {
        timeoutMs: 60_000,
        description: `mcptap collector (${client}, ${workers} workers) ready`,
      });
      return child;
    },
    delivered: () =>
      forward
        ? otlpTopicSpans(brokers, otlpTopic)
        : topicRecords(brokers, [topics.events, topics.catalog, topics.prompts]),
  };
}

function otelcolTarget(brokers: string[], workDir: string): Target {
  const topic = uniqueName('bench_otelcol');
  const config = join(workDir, `${topic}.yaml`);
  writeFileSync(
    config,
    readFileSync(OTELCOL_CONFIG, 'utf8')
      .replace('127.0.0.1:4318', `127.0.0.1:${PORT}`)
      .replace(/brokers: \[[^\]]*\]/, `brokers: ${JSON.stringify(brokers)}`)
      .replace('port: 8888', `port: ${PORT + 1}`),
  );
  return {
    async start() {
      // The anchor's records reach ~4.8 MB (2,048-span batches): the topic must accept them.
      await ensureTopics(createKafka({ brokers, clientId: 'bench' }, { logger: silentLogger }), [
        { topic, partitions: 6, maxMessageBytes: 10_485_760 },
      ]);
      const child = spawn(join(OTELCOL_DIR, 'otelcol-anchor'), ['--config', config], {
        env: { ...process.env, KAFKA_TOPIC: topic },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${PORT}/v1/traces`, { method: 'GET' }).catch(() => undefined)) !==
          undefined,
        { timeoutMs: 30_000, description: 'otelcol-anchor listening' },
      );
      return child;
    },
    delivered: () => otlpTopicSpans(brokers, topic),
    check: () => consumersReadAnchor(brokers, topic),
  };
}

/** `rate` 0: flat out; otherwise paced at that many spans per second. */
async function measure(target: Target, bodies: string, rate: number): Promise<Measured> {
  const child = await target.start();
  try {
    const warm = await replay(bodies, 3, { rate });
    const cpu0 = treeCpuSeconds(child.pid!);
    const result = await replay(bodies, SECONDS, { rate });
    const cpu = treeCpuSeconds(child.pid!) - cpu0;
    await stop(child);
    const delivered = await target.delivered();
    return {
      spansPerSecond: result.ok_spans_per_s,
      spansPerCpuSecond: result.ok_spans / cpu,
      missing: Math.max(0, warm.ok_spans + result.ok_spans - delivered),
    };
  } finally {
    await stop(child);
  }
}

interface Overload {
  offered: number;
  accepted: number;
  answers: Record<string, number>;
  withRetryAfter: number;
  /** Requests that got no answer (connection reset or closed). */
  netErrors: number;
  restRssMb: number;
  peakRssMb: number;
  recovered: boolean;
}

async function overload(target: Target, bodies: string, sustainable: number): Promise<Overload> {
  const child = await target.start();
  const rest = treeRssBytes(child.pid!);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRssBytes(child.pid!))), 200);
  try {
    const offered = sustainable * 10;
    const result = await replay(bodies, OVERLOAD_SECONDS, { rate: offered, concurrency: 64 });
    clearInterval(sampler);
    // Recovery: the same process serves at a tenth of its sustainable rate afterwards.
    const after = await replay(bodies, 5, { rate: sustainable / 10, concurrency: 2 });
    const recovered = after.ok_spans > 0 && Object.keys(after.non200).length === 0 && after.net_errors === 0;
    return {
      offered,
      accepted: result.ok_spans_per_s,
      answers: { 200: result.ok_requests, ...result.non200 },
      withRetryAfter: result.non200_with_retry_after,
      netErrors: result.net_errors,
      restRssMb: rest / 1e6,
      peakRssMb: peak / 1e6,
      recovered,
    };
  } finally {
    clearInterval(sampler);
    await stop(child);
  }
}

async function main(): Promise<void> {
  const { kafkaBrokers } = await ensureInfra(['kafka']);
  if (!existsSync(REPLAY))
    throw new Error(`${REPLAY} is missing: run 'bash scripts/bench.sh', which builds it`);
  const workDir = mkdtempSync(join(tmpdir(), 'mcptap-bench-'));
  const bodies = join(workDir, 'bodies');
  const captured = await captureBodies(bodies, 16_384);
  console.log(
    `collector: ${captured.files} captured bodies, ${Math.round(captured.bytes / 16_384)} B/span, ${CONCURRENCY} connections, ${SECONDS} s per run, ${RUNS} runs`,
  );
  /** By mode ('flat out', '10000 spans/s') then by variant. */
  const results = new Map<string, Map<string, Measured[]>>();
  const modes = [0, ...PACED_RATES];
  const modeName = (rate: number) => (rate === 0 ? 'flat out' : `paced ${rate} spans/s`);
  const targetFor = (variant: string): Target | undefined => {
    if (variant === 'otelcol') {
      if (existsSync(join(OTELCOL_DIR, 'otelcol-anchor'))) return otelcolTarget(kafkaBrokers, workDir);
      console.log(
        `  (no ${OTELCOL_DIR}/otelcol-anchor: anchor skipped; build it with bash bench/otelcol/build.sh)`,
      );
      return undefined;
    }
    const [client, workers, ...flags] = variant.split(':') as [string, string, ...string[]];
    const runtime = flags.includes('compiled') ? 'compiled' : 'tsx';
    return mcptapTarget(kafkaBrokers, client, workers, flags.includes('forward'), runtime);
  };
  // Runs interleaved, so that a noisy minute on a shared machine hits every variant alike.
  for (let r = 0; r < RUNS; r++) {
    for (const rate of modes) {
      for (const variant of VARIANTS) {
        const target = targetFor(variant);
        if (target === undefined) continue;
        const m = await measure(target, bodies, rate);
        const byVariant = results.get(modeName(rate)) ?? new Map<string, Measured[]>();
        results.set(modeName(rate), byVariant);
        byVariant.set(variant, [...(byVariant.get(variant) ?? []), m]);
        console.log(
          `  run ${r + 1} ${modeName(rate).padEnd(22)} ${variant.padEnd(18)} ${Math.round(m.spansPerSecond)} spans/s, ${Math.round(m.spansPerCpuSecond)} spans/CPU-s, missing ${m.missing}`,
        );
        if (r === 0 && rate === 0 && target.check) console.log(`    ${await target.check()}`);
      }
    }
  }
  console.log('');
  console.log(
    '| load | collector | accepted spans/s | spans per CPU-second | vs anchor (CPU-s, median) | missing from Kafka |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const [mode, byVariant] of results) {
    const anchor = byVariant.get('otelcol');
    const anchorCpu =
      anchor === undefined ? undefined : spread(anchor.map((m) => m.spansPerCpuSecond)).median;
    for (const [variant, ms] of byVariant) {
      const cpu = spread(ms.map((m) => m.spansPerCpuSecond));
      const name =
        variant === 'otelcol'
          ? 'OpenTelemetry Collector (anchor)'
          : `mcptap ${variant.replace(':', ', workers ').replace(':forward', ', fast path').replace(':compiled', ', compiled')}`;
      console.log(
        `| ${mode} | ${name} | ${formatSpread(spread(ms.map((m) => m.spansPerSecond)))} | ${formatSpread(cpu)} | ${anchorCpu === undefined ? '–' : `${(cpu.median / anchorCpu).toFixed(2)}×`} | ${Math.max(...ms.map((m) => m.missing))} |`,
      );
    }
  }

  if (OVERLOAD_SECONDS > 0) {
    for (const variant of OVERLOAD_VARIANTS) {
      const sustainable = spread(
        (results.get(modeName(0))?.get(variant) ?? [{ spansPerSecond: 5000 }]).map((m) => m.spansPerSecond),
      ).median;
      const o = await overload(targetFor(variant)!, bodies, sustainable);
      console.log('');
      console.log(
        `overload (mcptap ${variant}): offered ${Math.round(o.offered)} spans/s (10× ${Math.round(sustainable)}) for ${OVERLOAD_SECONDS} s`,
      );
      console.log(
        `  accepted ${Math.round(o.accepted)} spans/s; answers by status ${JSON.stringify(o.answers).replace(/"/g, '')}; ` +
          `non-200 with Retry-After ${o.withRetryAfter}; no answer (reset) ${o.netErrors}; RSS ${o.restRssMb.toFixed(0)} MB at rest, ${o.peakRssMb.toFixed(0)} MB peak; recovered without restart: ${o.recovered ? 'yes' : 'NO'}`,
      );
    }
  }
}

await main();
