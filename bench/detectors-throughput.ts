/**
 * Detector throughput and latency on a demo-like mix (benign sessions with every corpus attack
 * interleaved): events/s through the engine in-process, per-event processing time p50/p99, and
 * with --kafka, event→alert latency through the real local Kafka (scripts/infra.sh start kafka).
 * Usage: node --import tsx bench/detectors-throughput.ts [--sessions N] [--kafka]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { isoTime, keyForEvent, topicForEvent, topicNames, type McpEvent } from '../model/index.js';
import { createKafka, silentLogger } from '../platform/index.js';
import {
  AlertNotifier,
  createDetectorEngine,
  defaultRules,
  DetectorsRuntime,
  replayTranscript,
} from '../detectors/index.js';

const { values } = parseArgs({
  options: { sessions: { type: 'string', default: '2000' }, kafka: { type: 'boolean', default: false } },
});
const sessions = Number(values.sessions);
const rules = defaultRules();
const dir = join(import.meta.dirname, '..', 'test', 'corpus', 'transcripts');
const templates = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => ({
    attack: !f.startsWith('benign'),
    events: replayTranscript(readFileSync(join(dir, f), 'utf8'), { rules, tenant: 'bench', hostId: 'h' })
      .events,
  }));
const benign = templates.filter((t) => !t.attack);
const attacks = templates.filter((t) => t.attack);

/** One in ten sessions is an attack; every session gets its own ids and a time near `startMs`. */
function mix(startMs: number, tenant: string): McpEvent[] {
  const out: McpEvent[] = [];
  for (let s = 0; s < sessions; s++) {
    const pool = s % 10 === 9 ? attacks : benign;
    const template = pool[s % pool.length];
    if (template === undefined) continue;
    for (const event of template.events) {
      out.push({
        ...event,
        tenant,
        event_id: `${s}-${event.event_id}`,
        session_id: `b-${s}`,
        time: isoTime(startMs + s * 10),
      });
    }
  }
  return out;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const events = mix(Date.now(), 'bench');
const engine = createDetectorEngine(rules);
const times: number[] = [];
let alerts = 0;
const t0 = performance.now();
for (const event of events) {
  const s = performance.now();
  alerts += engine.process(event).length;
  times.push(performance.now() - s);
}
const elapsed = (performance.now() - t0) / 1000;
times.sort((a, b) => a - b);
console.log(
  `in-process: ${events.length} events (${sessions} sessions, 10% attacks) in ${elapsed.toFixed(2)} s = ${Math.round(events.length / elapsed)} events/s, ${alerts} alerts`,
);
console.log(
  `  per-event processing (event in → alerts out): p50 ${(pct(times, 50) * 1000).toFixed(0)} µs, p99 ${(pct(times, 99) * 1000).toFixed(0)} µs, max ${pct(times, 100).toFixed(1)} ms`,
);

if (values.kafka) {
  const prefix = `bench_${Date.now().toString(36)}`;
  const topics = topicNames(prefix);
  const kafka = createKafka({ brokers: ['127.0.0.1:19092'], clientId: 'bench' }, { logger: silentLogger });
  const produced = new Map<string, number>();
  const latencies: number[] = [];
  let last = 0;
  const runtime = new DetectorsRuntime({
    kafka,
    topics,
    groupId: `${prefix}_group`,
    rules,
    notifier: new AlertNotifier({ alertmanagerUrl: '', resendIntervalMs: 60_000, logger: silentLogger }),
    logger: silentLogger,
    partitions: 6,
    tickIntervalMs: 5000,
    onAlert: (alert) => {
      const sent = produced.get(alert.evidence_event_ids.at(-1) ?? '');
      if (sent !== undefined) latencies.push(performance.now() - sent);
      last = performance.now();
    },
  });
  await runtime.start();
  const stream = mix(Date.now(), prefix);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const k0 = performance.now();
  for (let i = 0; i < stream.length; i += 500) {
    const slice = stream.slice(i, i + 500);
    const now = performance.now();
    for (const e of slice) produced.set(e.event_id, now);
    const byTopic = new Map<string, Array<{ key: string; value: string }>>();
    for (const e of slice) {
      const topic = topicForEvent(topics, e);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: keyForEvent(e), value: JSON.stringify(e) }]);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
  const expected = alerts;
  const deadline = Date.now() + 120_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const total = (last - k0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `kafka: ${stream.length} events produced and detected in ${total.toFixed(2)} s = ${Math.round(stream.length / total)} events/s, ${latencies.length}/${expected} alerts`,
  );
  console.log(
    `  event→alert latency (produce → alert produced): p50 ${pct(latencies, 50).toFixed(0)} ms, p99 ${pct(latencies, 99).toFixed(0)} ms`,
  );
  await producer.disconnect();
  await runtime.stop();
}
