// CPU cost of the tamper-evident log per stored event, beside the sink's own per-event cost:
// the sink's row building (validate, mask, row) and the audit's work on that row (its leaf hash,
// segment bookkeeping, the segment hash and the Ed25519 signature amortised over a segment of
// MCPTAP_AUDIT_SEGMENT_RECORDS' default 1000 rows). BENCH_RUNS (3) runs, median (min–max) µs of
// CPU (process.cpuUsage) per event, on the 18.16 and the modern row forms.
//   node --import tsx bench/audit-seal.ts
import { generateKeyPairSync } from 'node:crypto';
import { sealedMember, SegmentChains, signCheckpoint } from '../audit/index.js';
import type { McpEvent } from '../model/index.js';
import { maskSecrets } from '../secrets/index.js';
import { flavorForVersion, StoreWriter, validateRecord, type Store } from '../storage/index.js';
import { mcpSizedToolCall, sampleEvents } from '../test/collector/sample-events.js';
import { formatSpread, spread } from './process-stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MIN_CPU_MICROS = 400_000;
const SEGMENT_RECORDS = 1000;

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key = { privateKey, publicKey, keyId: 'bench' };

const mixes: Array<{ name: string; events: McpEvent[] }> = [
  {
    name: 'MCP-sized tool calls (~2 KB)',
    events: Array.from({ length: 200 }, (_, i) => mcpSizedToolCall('s', i, Date.UTC(2026, 10, 24))),
  },
  {
    name: 'one event of each kind',
    events: Array.from({ length: 30 }, () => sampleEvents({ tenant: 't' })).flat(),
  },
];

function cpuMicrosPerEvent(count: number, round: () => void): number {
  round();
  let rounds = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < MIN_CPU_MICROS) {
    round();
    rounds++;
    const delta = process.cpuUsage(start);
    used = delta.user + delta.system;
  }
  return used / (rounds * count);
}

console.log(`audit sealing: µs of CPU per event, ${RUNS} runs, median (min–max)`);
console.log('| events | server | sink: JSON → validated, masked row | audit: leaf + segment + signature |');
console.log('|---|---|---|---|');
for (const version of ['18.16.1', '26.7.2.1']) {
  // Only the row building is measured: the writer never reaches a client.
  const store = { flavor: flavorForVersion(version), database: 'bench' } as Store;
  const writer = new StoreWriter(store, { mask: maskSecrets });
  for (const mix of mixes) {
    const messages = mix.events.map((event) => Buffer.from(JSON.stringify(event)));
    const rows = mix.events.map((event) => writer.row(event));
    const sink = () => {
      for (const message of messages)
        writer.row(validateRecord(JSON.parse(message.toString('utf8')), 'event'));
    };
    const chains = new SegmentChains('bench', { records: SEGMENT_RECORDS, maxAgeMs: Infinity });
    const audit = () => {
      const members = rows.map(({ table, row }) => sealedMember(table, row));
      for (const segment of chains.add(members, 0)) signCheckpoint(segment, key, 0);
    };
    const cells = [sink, audit].map((round) =>
      formatSpread(
        spread(Array.from({ length: RUNS }, () => cpuMicrosPerEvent(mix.events.length, round))),
        1,
      ),
    );
    console.log(`| ${mix.name}: ${mix.events.length} | ${version} | ${cells.join(' | ')} |`);
  }
}
