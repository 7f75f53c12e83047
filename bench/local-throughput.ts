// Throughput, alert latency and memory of `mcptap local` (the real command in its own process):
// OTLP/HTTP protobuf bodies of MCP-sized tool-call spans, serialised by the OpenTelemetry JS
// exporter's own serializer, in → every detector → embedded ClickHouse (chdb). Prints
//  - events/s acknowledged (200 = stored) at full speed, and the local process's CPU and RSS;
//  - event → alert latency: an SSRF probe session posted every PROBE_MS, timed from the POST to its
//    alert line on the process's stdout, at rest and under a background load;
//  - resident memory at rest, and the peak under load;
//  - where the CPU of the throughput phase went, by thread: the main thread (collector decoding and
//    masking, detectors), the busiest other JS thread (the store worker: rows, insert calls), the
//    rest of Node's threads (GC, libuv), and chdb's threads by name (inserts, merges).
// Each phase starts once the previous one's queue has drained (the control API's /status), so the
// at-rest latency is not measured behind the throughput phase's backlog.
//
//   node --import tsx bench/local-throughput.ts
//   BENCH_SECONDS=20 BENCH_CONCURRENCY=4 BENCH_SPANS_PER_REQUEST=512 BENCH_LOAD_RPS=20 node --import tsx bench/local-throughput.ts
//   BENCH_MASK=off (secrets kept unmasked)  BENCH_CHILD_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'
//   BENCH_RUNTIME=compiled (the compiled dist/ of `npm run build`; default tsx, the sources through tsx)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultRules, replayTranscript } from '../detectors/index.js';
import type { McpEvent } from '../model/index.js';
import { otlpProtobufBody } from '../test/collector/otel-sdk.js';
import { mcpSizedToolCall } from '../test/collector/sample-events.js';
import { waitFor } from '../test/support/infra.js';
import { controlGet } from '../local/local-client.js';
import type { LocalStatus } from '../local/start-local.js';
import { readLocalEndpoint } from '../shim/index.js';
import { mcptapNodeArgs, parseRuntime } from './mcptap-runtime.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const SPANS_PER_REQUEST = Number(process.env.BENCH_SPANS_PER_REQUEST ?? 512);
/** Background requests per second during the latency phase (of SPANS_PER_REQUEST spans each). */
const LOAD_RPS = Number(process.env.BENCH_LOAD_RPS ?? 2);
const PROBES = Number(process.env.BENCH_PROBES ?? 200);
const PROBE_MS = Number(process.env.BENCH_PROBE_MS ?? 50);
const MASK = process.env.BENCH_MASK !== 'off';
const CHILD_NODE_ARGS = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
const RUNTIME = parseRuntime(process.env.BENCH_RUNTIME ?? 'tsx');
const DISTINCT_BODIES = 16;
const CLOCK_TICKS_PER_SECOND = 100;
const PORT = 15318 + (process.pid % 1000);

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds so far of each thread of `pid`, by thread id, with the thread's name. */
function threadCpuSeconds(pid: number): Map<number, { name: string; seconds: number }> {
  const threads = new Map<number, { name: string; seconds: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(Number(tid), {
        name,
        seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
      });
    } catch {
      // the thread ended between listing and reading
    }
  }
  return threads;
}

/** Cores used per thread group between two snapshots of threadCpuSeconds. */
function cpuByThread(
  pid: number,
  before: ReturnType<typeof threadCpuSeconds>,
  after: ReturnType<typeof threadCpuSeconds>,
  seconds: number,
): string {
  const used = [...after].map(([tid, t]) => ({
    tid,
    name: t.name,
    seconds: t.seconds - (before.get(tid)?.seconds ?? 0),
  }));
  const busiestOtherJs = used
    .filter((t) => t.tid !== pid && t.name === 'node')
    .sort((a, b) => b.seconds - a.seconds)[0]?.tid;
  const groups = new Map<string, number>();
  for (const t of used) {
    const group =
      t.tid === pid
        ? 'main thread'
        : t.tid === busiestOtherJs
          ? 'store worker'
          : t.name === 'node'
            ? 'other node threads'
            : `chdb ${t.name}`;
    groups.set(group, (groups.get(group) ?? 0) + t.seconds);
  }
  return [...groups]
    .filter(([, s]) => s / seconds >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([group, s]) => `${group} ${(s / seconds).toFixed(2)}`)
    .join(', ');
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SSRF seed transcript under a fresh session id: its events raise one new alert. */
function probeEvents(session: string): McpEvent[] {
  const text = readFileSync(
    join(REPO_ROOT, 'test', 'corpus', 'transcripts', 'seed-metadata-ssrf.jsonl'),
    'utf8',
  )
    .split('\n')
    .slice(0, 8)
    .join('\n')
    .replaceAll('"seed-metadata-ssrf"', JSON.stringify(session));
  return replayTranscript(text, { rules: defaultRules(), tenant: 'bench', hostId: 'bench' }).events.map(
    (e) => ({
      ...e,
      event_id: `${session}-${e.event_id}`,
    }),
  );
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-bench-local-'));
  const bodies: Buffer[] = [];
  for (let b = 0; b < DISTINCT_BODIES; b++) {
    const events = Array.from({ length: SPANS_PER_REQUEST }, (_, i) =>
      mcpSizedToolCall(`bench-session-${b}-${i % 32}`, i),
    );
    bodies.push(Buffer.from(await otlpProtobufBody(events)));
  }
  const bodyBytes = bodies.reduce((sum, b) => sum + b.length, 0) / bodies.length;

  const child = spawn(
    process.execPath,
    [
      ...mcptapNodeArgs(RUNTIME, CHILD_NODE_ARGS),
      'local',
      '--data',
      dataDir,
      '--listen',
      `127.0.0.1:${PORT}`,
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MCPTAP_LOG_LEVEL: 'warn',
        MCPTAP_LOCAL_STATUS_S: '0',
        MCPTAP_STORE_SECRETS_UNMASKED: MASK ? 'false' : 'true',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const pid = child.pid!;
  const alertSeen = new Map<string, number>();
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const now = performance.now();
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const session = /session=(probe-\S+)/.exec(line)?.[1];
      if (session !== undefined && !alertSeen.has(session)) alertSeen.set(session, now);
    }
  });
  try {
    const url = `http://127.0.0.1:${PORT}`;
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, {
      timeoutMs: 120_000,
      description: 'mcptap local',
    });
    const apiKey = readFileSync(join(dataDir, 'api-key'), 'utf8').trim();
    const post = async (body: Buffer | Uint8Array) => {
      const response = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'x-mcptap-api-key': apiKey },
        body,
      });
      await response.arrayBuffer();
      return response.status;
    };

    const endpoint = readLocalEndpoint(dataDir)!;
    /** Waits until every accepted event is stored (nothing queued), then lets the heap settle. */
    const drained = async () => {
      await waitFor(
        async () => (await controlGet<LocalStatus>(endpoint, apiKey, '/status')).queue.events === 0,
        { timeoutMs: 300_000, description: 'the local queue to drain' },
      );
      await sleep(3000);
    };

    await sleep(3000);
    const restRss = rssMiB(pid);

    // Throughput at full speed.
    let acked = 0;
    let refused = 0;
    let peakRss = restRss;
    const cpuStart = cpuSeconds(pid);
    const threadsStart = threadCpuSeconds(pid);
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 200);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        for (let n = worker; performance.now() < deadline; n += CONCURRENCY) {
          const status = await post(bodies[n % DISTINCT_BODIES]!);
          if (status === 200) acked += SPANS_PER_REQUEST;
          else refused += SPANS_PER_REQUEST;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(pid) - cpuStart;
    const threadCores = cpuByThread(pid, threadsStart, threadCpuSeconds(pid), elapsed);
    clearInterval(sampler);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(
      `mcptap local throughput (${RUNTIME === 'compiled' ? 'compiled dist/' : 'sources through tsx'}, ${SECONDS} s, ${CONCURRENCY} senders, ${SPANS_PER_REQUEST} spans/request, ~${fmt(bodyBytes)} B/request protobuf, secrets ${MASK ? 'masked' : 'unmasked'})`,
    );
    console.log(
      `  acknowledged (stored): ${fmt(acked / elapsed)} events/s; refused (503): ${fmt(refused / elapsed)} events/s`,
    );
    console.log(
      `  local process CPU: ${(cpu / elapsed).toFixed(2)} cores; ${fmt(acked / Math.max(cpu, 0.001))} events per CPU-second`,
    );
    console.log(`  cores by thread: ${threadCores}`);

    // Event → alert latency, at rest then under background load.
    const latency = async (label: string, loadRps: number) => {
      let loading = loadRps > 0;
      let inFlight = 0;
      const load = (async () => {
        while (loading) {
          const t = performance.now();
          // Open loop, but never more than CONCURRENCY requests at once: a slow store slows the load.
          if (inFlight < CONCURRENCY) {
            inFlight++;
            void post(bodies[Math.floor(Math.random() * DISTINCT_BODIES)]!)
              .catch(() => undefined)
              .finally(() => inFlight--);
          }
          await sleep(Math.max(0, 1000 / loadRps - (performance.now() - t)));
        }
      })();
      const sent = new Map<string, number>();
      const refusedProbes: string[] = [];
      const bodiesForProbes: Array<[string, Uint8Array]> = [];
      for (let p = 0; p < PROBES; p++) {
        const session = `probe-${label}-${p}-${process.pid}`;
        bodiesForProbes.push([session, await otlpProtobufBody(probeEvents(session))]);
      }
      for (const [session, body] of bodiesForProbes) {
        sent.set(session, performance.now());
        void post(body).then(
          (status) => status !== 200 && refusedProbes.push(String(status)),
          (error: unknown) => refusedProbes.push(String(error)),
        );
        await sleep(PROBE_MS);
      }
      await waitFor(() => [...sent.keys()].every((s) => alertSeen.has(s)), {
        timeoutMs: 60_000,
        description: 'every probe alert',
      }).catch(() => undefined);
      loading = false;
      await load;
      const times = [...sent]
        .filter(([s]) => alertSeen.has(s))
        .map(([s, t]) => alertSeen.get(s)! - t)
        .sort((a, b) => a - b);
      return {
        label,
        probes: sent.size,
        alerted: times.length,
        refused: refusedProbes,
        p50: percentile(times, 50),
        p99: percentile(times, 99),
      };
    };
    await drained();
    const drainedRss = rssMiB(pid);
    const atRest = await latency('rest', 0);
    const underLoad = await latency('load', LOAD_RPS);

    for (const r of [atRest, underLoad]) {
      console.log(
        `  event → alert (${r.label === 'rest' ? 'at rest' : `under ${fmt(LOAD_RPS * SPANS_PER_REQUEST)} events/s background`}): ` +
          `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.alerted}/${r.probes} probes alerted` +
          `${r.refused.length > 0 ? `; not accepted: ${[...new Set(r.refused)].join(', ')} ×${r.refused.length}` : ''})`,
      );
    }
    console.log(
      `  resident memory: ${restRss.toFixed(0)} MiB at rest, ${peakRss.toFixed(0)} MiB peak under load, ` +
        `${drainedRss.toFixed(0)} MiB at rest after it`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
