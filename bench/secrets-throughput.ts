// CPU cost of secret scanning per event on a demo-like mix: masking at rest (the store's maskRecord
// with the detectors' maskSecrets on every string) and findSecrets on the texts the detectors scan
// (tool-call arguments and result, content read, egress value). BENCH_RUNS (3) runs per figure,
// min/median/max µs of CPU (process.cpuUsage) per event.
//   node --import tsx bench/secrets-throughput.ts
import { findSecrets, maskRecord, maskSecrets } from '../secrets/index.js';
import type { CappedContent, McpEvent } from '../model/index.js';
import { mcpSizedToolCall, sampleEvents } from '../test/collector/sample-events.js';
import { scriptedSession } from '../test/storage/scenario.js';
import { corpusTranscriptEvents } from './corpus-events.js';
import { formatSpread, spread } from './process-stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MIN_CPU_MICROS = 400_000;

const corpus = corpusTranscriptEvents();
const mixes: Array<{ name: string; events: McpEvent[] }> = [
  { name: 'corpus transcripts (benign + attacks)', events: corpus },
  {
    name: 'MCP-sized tool calls (~2 KB, no secret)',
    events: Array.from({ length: 50 }, (_, i) => mcpSizedToolCall('s', i, Date.UTC(2026, 10, 24))),
  },
  { name: 'one event of each kind', events: sampleEvents() },
  {
    name: 'scripted session with planted secrets',
    events: scriptedSession({ tenant: 't', sessionId: 's', startMs: 0, withSecrets: true }).events,
  },
];

/** The contents the detectors pass to findSecrets (secret egress, sensitive reads). */
function scannedContents(event: McpEvent): CappedContent[] {
  if (event.kind === 'tool_call') return [event.arguments, event.result];
  if (event.kind === 'content_read') return [event.content];
  if (event.kind === 'egress') return [event.dest_value];
  return [];
}

/** CPU µs per event of `work` over `events`, repeated until the measurement is long enough. */
function cpuMicrosPerEvent(events: readonly McpEvent[], work: (event: McpEvent) => unknown): number {
  for (const event of events) work(event);
  let rounds = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < MIN_CPU_MICROS) {
    for (const event of events) work(event);
    rounds++;
    const delta = process.cpuUsage(start);
    used = delta.user + delta.system;
  }
  return used / (rounds * events.length);
}

const measures: Array<{ name: string; work: (event: McpEvent) => unknown }> = [
  { name: 'maskRecord(maskSecrets)', work: (event) => maskRecord(event, maskSecrets) },
  {
    name: 'findSecrets (detector texts)',
    work: (event) => scannedContents(event).map(({ text, truncated }) => findSecrets(text, { truncated })),
  },
];

console.log(`secret scanning: µs of CPU per event, ${RUNS} runs, median (min–max)`);
console.log(`| events | ${measures.map((m) => m.name).join(' | ')} |`);
console.log(`|---|${measures.map(() => '---|').join('')}`);
for (const mix of mixes) {
  const cells = measures.map(({ work }) =>
    formatSpread(spread(Array.from({ length: RUNS }, () => cpuMicrosPerEvent(mix.events, work))), 1),
  );
  const bytes = mix.events.reduce((sum, e) => sum + JSON.stringify(e).length, 0) / mix.events.length;
  console.log(`| ${mix.name}: ${mix.events.length}, ~${Math.round(bytes)} B JSON | ${cells.join(' | ')} |`);
}
