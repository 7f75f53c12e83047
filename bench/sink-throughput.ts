// Sink throughput: N tool-call events through `mcptap sink`'s code path (Kafka → validate → mask →
// ClickHouse), against the same rows inserted by clickhouse-client (JSONEachRow) into the same
// server, in the same run; unmasked and masked, BENCH_RUNS (3) times each, min/median/max, with the
// sink's CPU per row (wall-time rates are noisy on a shared machine). Also the CPU cost of masking one
// event. Needs the local Kafka and ClickHouse (scripts/infra.sh).
//   node --import tsx bench/sink-throughput.ts [N=30000]
import { spawn } from 'node:child_process';
import { capContent, isoTime, topicNames, type ToolCallEvent } from '../model/index.js';
import { createKafka, ensureTopics, kafkaSettingsFromEnv, silentLogger } from '../platform/index.js';
import { migrate, openStore, startSink, storageSettingsFromEnv, StoreWriter } from '../storage/index.js';
import { maskSecrets } from '../secrets/index.js';
import { formatSpread, spread } from './process-stats.js';

const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 30_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
let run = '';

function event(i: number): ToolCallEvent {
  return {
    kind: 'tool_call',
    event_id: `${run}-${i}`,
    time: isoTime(Date.UTC(2026, 10, 24) + i),
    tenant: 'bench',
    host_id: `host-${i % 7}`,
    session_id: `session-${Math.floor(i / 20)}`,
    turn_id: `turn-${Math.floor(i / 5)}`,
    user_id: `user-${i % 50}`,
    team: 'bench',
    user_source: 'option',
    server_name: 'files',
    server_id: '0123456789abcdef',
    server_version: '1.0.0',
    tool: ['read_file', 'list_dir', 'write_file'][i % 3]!,
    request_id: String(i),
    arguments: capContent(JSON.stringify({ path: `/home/u/project/src/file-${i}.ts` }), 4096),
    result: capContent(JSON.stringify({ content: [{ type: 'text', text: 'x'.repeat(1200) + i }] }), 4096),
    is_error: i % 50 === 0,
    error_type: i % 50 === 0 ? 'tool_error' : '',
    error_message: '',
    duration_ms: (i % 97) + 0.5,
    request_bytes: 180,
    response_bytes: 1300,
    chain_index: (i % 5) + 1,
  };
}

interface Rates {
  sink: number;
  /** CPU of this process (the sink, and the polling of the row count) per stored row, µs. */
  sinkCpuPerRow: number;
  client: number;
}

async function once(masked: boolean): Promise<Rates> {
  run = `bench_sink_${Date.now().toString(36)}`;
  const settings = storageSettingsFromEnv({ ...process.env, MCPTAP_CLICKHOUSE_DATABASE: run });
  const kafkaSettings = kafkaSettingsFromEnv();
  const topics = topicNames(run);
  const store = await openStore(settings.clickhouse);
  await migrate(store, { retentionDays: settings.retentionDays });
  const kafka = createKafka(kafkaSettings, { logger: silentLogger });
  await ensureTopics(
    kafka,
    [topics.events, topics.catalog, topics.prompts, topics.alerts, topics.deadLetter].map((topic) => ({
      topic,
      partitions: 3,
    })),
  );
  const events = Array.from({ length: n }, (_, i) => event(i));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < n; i += 1000) {
    await producer.send({
      topic: topics.events,
      acks: -1,
      messages: events.slice(i, i + 1000).map((e) => ({ key: e.session_id, value: JSON.stringify(e) })),
    });
  }
  await producer.disconnect();

  const count = async (table: string): Promise<number> => {
    const [row] = await (
      await store.client.query({ query: `SELECT count() AS n FROM ${run}.${table}`, format: 'JSONEachRow' })
    ).json<{ n: string }>();
    return Number(row?.n);
  };

  const writer = new StoreWriter(store, { mask: masked ? maskSecrets : null });
  const sink = await startSink({
    kafka,
    topics,
    writer,
    logger: silentLogger,
    ...settings,
    groupId: `${run}-group`,
  });
  // Steady state: from the first stored row to the last (the consumer group's join, a few seconds
  // of broker rebalance delay, is not throughput).
  let first: { at: number; rows: number; cpu: NodeJS.CpuUsage } | undefined;
  for (;;) {
    const rows = await count('tool_calls');
    if (rows > 0 && first === undefined) first = { at: performance.now(), rows, cpu: process.cpuUsage() };
    if (rows >= n) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const sinkRate = (n - first!.rows) / ((performance.now() - first!.at) / 1000);
  const cpu = process.cpuUsage(first!.cpu);
  const sinkCpuPerRow = (cpu.user + cpu.system) / (n - first!.rows);
  await sink.stop();

  // The same rows (as the writer builds them), into a second table, by clickhouse-client.
  await store.client.command({ query: `CREATE TABLE ${run}.tool_calls_client AS ${run}.tool_calls` });
  const body = [...writer.rows(events).values()][0]!.map((row) => JSON.stringify(row)).join('\n') + '\n';
  const port = process.env.MCPTAP_CLICKHOUSE_TCP_PORT ?? '19000';
  const clientStarted = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'clickhouse-client',
      ['--port', port, '--query', `INSERT INTO ${run}.tool_calls_client FORMAT JSONEachRow`],
      { stdio: ['pipe', 'inherit', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`clickhouse-client exited with ${code}`)),
    );
    child.stdin.end(body);
  });
  const clientRate = n / ((performance.now() - clientStarted) / 1000);
  if ((await count('tool_calls_client')) !== n) throw new Error('clickhouse-client did not insert every row');
  await store.client.command({ query: `DROP DATABASE ${run}` });
  await store.client.close();
  return { sink: sinkRate, sinkCpuPerRow, client: clientRate };
}

/** CPU microseconds to mask one event's strings (the detectors' maskSecrets, through StoreWriter.rows). */
async function maskingCost(): Promise<number> {
  const events = Array.from({ length: 2000 }, (_, i) => event(i));
  const store = await openStore(storageSettingsFromEnv().clickhouse);
  const masked = new StoreWriter(store, { mask: maskSecrets });
  const plain = new StoreWriter(store, { mask: null });
  masked.rows(events);
  const t0 = process.cpuUsage();
  masked.rows(events);
  const t1 = process.cpuUsage(t0);
  plain.rows(events);
  const t2 = process.cpuUsage();
  plain.rows(events);
  const t3 = process.cpuUsage(t2);
  await store.client.close();
  return (t1.user + t1.system - (t3.user + t3.system)) / events.length;
}

const lines: string[] = [];
for (const masked of [false, true]) {
  const rates: Rates[] = [];
  for (let r = 0; r < RUNS; r++) rates.push(await once(masked));
  const sink = spread(rates.map((x) => x.sink));
  const client = spread(rates.map((x) => x.client));
  const ratio = spread(rates.map((x) => x.sink / x.client));
  const cpu = spread(rates.map((x) => x.sinkCpuPerRow));
  lines.push(
    `| mcptap sink, ${masked ? 'masked' : 'unmasked'} | ${formatSpread(sink)} | ${formatSpread(cpu)} | ${formatSpread(client)} | ${formatSpread({ min: ratio.min * 100, median: ratio.median * 100, max: ratio.max * 100 })} % |`,
  );
}
console.log(`sink: ${n} tool-call rows (~2 KB as JSON) per run, ${RUNS} runs, rows/s median (min–max)`);
console.log(
  '| path | rows/s into ClickHouse | sink CPU µs/row | clickhouse-client JSONEachRow rows/s | sink / raw |',
);
console.log('|---|---|---|---|---|');
for (const line of lines) console.log(line);
console.log(
  `masking (detectors' maskSecrets on every string): ${(await maskingCost()).toFixed(0)} µs of CPU per event`,
);
