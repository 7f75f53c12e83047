// What masking secrets in the receiver costs the collector: CPU µs per span of its pure step
// (normaliseSpans: decode to events, re-cap, mask, serialise) with masking on and off, on spans the
// shim's real exporter sends (decoded from OTLP protobuf as the collector decodes them). BENCH_RUNS
// (3) runs per figure, min/median/max µs of CPU (process.cpuUsage) per span.
//   node --import tsx bench/collector-masking.ts
import type { DecodedSpan } from '../otlp/decoded-span.js';
import { normaliseSpans, type NormaliseOptions } from '../otlp/normalise-spans.js';
import { decodeOtlpProtobuf } from '../otlp/otlp-protobuf-decode.js';
import type { McpEvent } from '../model/index.js';
import { maskSecretsInText } from '../secrets/index.js';
import { otlpProtobufBody } from '../test/collector/otel-sdk.js';
import { scriptedSession } from '../test/storage/scenario.js';
import { demoMix } from './capture-bodies.js';
import { corpusTranscriptEvents } from './corpus-events.js';
import { formatSpread, spread } from './process-stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MIN_CPU_MICROS = 500_000;

const corpus = corpusTranscriptEvents();
const mixes: Array<{ name: string; events: McpEvent[] }> = [
  { name: 'demo-like mix (70 % MCP-sized tool calls)', events: demoMix(2000, Date.UTC(2026, 10, 24)) },
  { name: 'corpus transcripts (benign + attacks)', events: corpus },
  {
    name: 'scripted session with planted secrets',
    events: scriptedSession({
      tenant: 't',
      sessionId: 's',
      startMs: Date.UTC(2026, 10, 24),
      withSecrets: true,
    }).events,
  },
];

const options = (mask: NormaliseOptions['mask']): NormaliseOptions => ({
  caps: { contentBytes: 65536, catalogBytes: 262144, promptBytes: 524288 },
  maxRecordBytes: 786432,
  forwardRawSpans: false,
  mask,
});

/** CPU µs per span of normaliseSpans over `spans`, repeated until the measurement is long enough. */
function cpuMicrosPerSpan(spans: readonly DecodedSpan[], settings: NormaliseOptions): number {
  normaliseSpans(spans, 'bench', settings);
  let rounds = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < MIN_CPU_MICROS) {
    normaliseSpans(spans, 'bench', settings);
    rounds++;
    const delta = process.cpuUsage(start);
    used = delta.user + delta.system;
  }
  return used / (rounds * spans.length);
}

console.log(`| spans | masking off µs/span | masking on µs/span | added by masking |`);
console.log(`|---|---|---|---|`);
for (const { name, events } of mixes) {
  const spans = decodeOtlpProtobuf(Buffer.from(await otlpProtobufBody(events)));
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    off.push(cpuMicrosPerSpan(spans, options(null)));
    on.push(cpuMicrosPerSpan(spans, options(maskSecretsInText)));
  }
  const added = on.map((value, i) => value - off[i]!);
  console.log(
    `| ${name} (${spans.length}) | ${formatSpread(spread(off), 1)} | ${formatSpread(spread(on), 1)} | ${formatSpread(spread(added), 1)} |`,
  );
}
