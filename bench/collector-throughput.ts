// Throughput of `mcptap collector` against the real Kafka of scripts/infra.sh: OTLP protobuf bodies
// of MCP-sized tool-call spans, serialised by the OpenTelemetry JS exporter's own serializer, replayed
// at full speed for a bounded time. Prints spans/s, spans per collector CPU-second (from
// /proc/<pid>/stat of the collector process) and request latency percentiles.
//
//   node --import tsx bench/collector-throughput.ts
//   BENCH_SECONDS=20 BENCH_CONCURRENCY=4 BENCH_SPANS_PER_REQUEST=512 node --import tsx bench/collector-throughput.ts
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashApiKey } from '../collector/index.js';
import { ensureInfra, uniqueName, waitFor } from '../test/support/infra.js';
import { otlpProtobufBody } from '../test/collector/otel-sdk.js';
import { mcpSizedToolCall } from '../test/collector/sample-events.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const SPANS_PER_REQUEST = Number(process.env.BENCH_SPANS_PER_REQUEST ?? 512);
const DISTINCT_BODIES = 16;
const PORT = 14318 + (process.pid % 1000);
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime), counted from after the command name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const { kafkaBrokers } = await ensureInfra(['kafka']);
  const prefix = uniqueName('bench_collector');
  const key = `bench-${prefix}`;

  const bodies: Buffer[] = [];
  for (let b = 0; b < DISTINCT_BODIES; b++) {
    const events = Array.from({ length: SPANS_PER_REQUEST }, (_, i) =>
      mcpSizedToolCall(`bench-session-${b}-${i % 32}`, i),
    );
    bodies.push(Buffer.from(await otlpProtobufBody(events)));
  }
  const bodyBytes = bodies.reduce((sum, b) => sum + b.length, 0) / bodies.length;

  const collector = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'cli', 'mcptap.ts'), 'collector'],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MCPTAP_KAFKA_BROKERS: kafkaBrokers.join(','),
        MCPTAP_TOPIC_PREFIX: prefix,
        MCPTAP_COLLECTOR_LISTEN: `127.0.0.1:${PORT}`,
        MCPTAP_COLLECTOR_API_KEYS: `bench:${hashApiKey(key)}`,
        MCPTAP_COLLECTOR_RATE_LIMIT_SPANS: '0',
        MCPTAP_COLLECTOR_TOPIC_PARTITIONS: '6',
        MCPTAP_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${PORT}`;
  try {
    await waitFor(async () => (await fetch(`${base}/readyz`)).ok, {
      timeoutMs: 60_000,
      description: 'collector ready',
    });

    const post = (body: Buffer) =>
      fetch(`${base}/v1/traces`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-protobuf', 'x-mcptap-api-key': key },
      });
    // Warm-up: JIT and connections, outside the measured window.
    for (const body of bodies.slice(0, 4)) await (await post(body)).arrayBuffer();

    const latencies: number[] = [];
    const failures = new Map<number, number>();
    let spans = 0;
    const cpuStart = cpuSeconds(collector.pid!);
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        for (let n = worker; performance.now() < deadline; n += CONCURRENCY) {
          const t0 = performance.now();
          const res = await post(bodies[n % bodies.length]!);
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.status === 200) spans += SPANS_PER_REQUEST;
          else failures.set(res.status, (failures.get(res.status) ?? 0) + 1);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(collector.pid!) - cpuStart;
    latencies.sort((a, b) => a - b);
    const produced = /mcptap_collector_records_produced_total\{kind="tool_call"\} (\d+)/.exec(
      await (await fetch(`${base}/metrics`)).text(),
    );

    console.log(
      `collector throughput (${CONCURRENCY} concurrent senders, ${SPANS_PER_REQUEST} spans of ~${Math.round(bodyBytes / SPANS_PER_REQUEST)} B per request, ${SECONDS} s)`,
    );
    console.log(`  accepted spans/s            ${(spans / elapsed).toFixed(0)}`);
    console.log(
      `  spans per collector CPU-s   ${(spans / cpu).toFixed(0)}   (collector CPU ${cpu.toFixed(2)} s over ${elapsed.toFixed(1)} s wall)`,
    );
    console.log(
      `  request latency p50 / p99   ${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms   (${latencies.length} requests)`,
    );
    console.log(`  records produced (metric)   ${produced?.[1] ?? '?'}`);
    if (failures.size > 0)
      console.log(`  non-200 answers             ${JSON.stringify(Object.fromEntries(failures))}`);
  } finally {
    collector.kill('SIGTERM');
    await new Promise((resolve) => collector.once('exit', resolve));
  }
}

await main();
