// Sink throughput: N tool-call events through `mcptap sink`'s code path (Kafka → validate → mask →
// ClickHouse), against the same rows inserted by clickhouse-client (JSONEachRow) into the same
// server. Needs the local Kafka and ClickHouse (bash scripts/infra.sh start kafka clickhouse).
//   node --import tsx bench/sink-throughput.ts [N=50000] [--unmasked]
import { spawn } from 'node:child_process';
import { capContent, isoTime, topicNames, type ToolCallEvent } from '../model/index.js';
import { createKafka, ensureTopics, kafkaSettingsFromEnv, silentLogger } from '../platform/index.js';
import {
  migrate,
  openStore,
  secretMaskerFor,
  startSink,
  storageSettingsFromEnv,
  StoreWriter,
} from '../storage/index.js';

const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 50_000);
const masked = !process.argv.includes('--unmasked');
const run = `bench_sink_${Date.now().toString(36)}`;
const settings = storageSettingsFromEnv({ ...process.env, MCPTAP_CLICKHOUSE_DATABASE: run });
const kafkaSettings = kafkaSettingsFromEnv();
const topics = topicNames(run);

function event(i: number): ToolCallEvent {
  return {
    kind: 'tool_call',
    event_id: `${run}-${i}`,
    time: isoTime(Date.UTC(2026, 10, 24) + i),
    tenant: 'bench',
    host_id: `host-${i % 7}`,
    session_id: `session-${Math.floor(i / 20)}`,
    turn_id: `turn-${Math.floor(i / 5)}`,
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

async function count(table: string): Promise<number> {
  const [row] = await (
    await store.client.query({ query: `SELECT count() AS n FROM ${run}.${table}`, format: 'JSONEachRow' })
  ).json<{ n: string }>();
  return Number(row?.n);
}

const writer = new StoreWriter(store, { mask: masked ? await secretMaskerFor() : null });
const started = performance.now();
const sink = await startSink({
  kafka,
  topics,
  writer,
  logger: silentLogger,
  ...settings,
  groupId: `${run}-group`,
});
while ((await count('tool_calls')) < n) await new Promise((resolve) => setTimeout(resolve, 50));
const sinkSeconds = (performance.now() - started) / 1000;
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
    {
      stdio: ['pipe', 'inherit', 'inherit'],
    },
  );
  child.on('error', reject);
  child.on('exit', (code) =>
    code === 0 ? resolve() : reject(new Error(`clickhouse-client exited with ${code}`)),
  );
  child.stdin.end(body);
});
const clientSeconds = (performance.now() - clientStarted) / 1000;
if ((await count('tool_calls_client')) !== n) throw new Error('clickhouse-client did not insert every row');

console.log(
  `ClickHouse ${store.flavor.version}, ${n} tool-call rows (~${Math.round(body.length / n)} B/row as JSON)`,
);
console.log(
  `sink (Kafka → validate → ${masked ? 'mask' : 'no masking'} → ClickHouse, batch ${settings.batchRows} rows): ${Math.round(n / sinkSeconds)} rows/s (${sinkSeconds.toFixed(2)} s)`,
);
console.log(
  `clickhouse-client INSERT … FORMAT JSONEachRow: ${Math.round(n / clientSeconds)} rows/s (${clientSeconds.toFixed(2)} s)`,
);
await store.client.command({ query: `DROP DATABASE ${run}` });
await store.client.close();
