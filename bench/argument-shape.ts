/**
 * `argument_shape`: its alerts on benign traffic and its cost per event.
 *  - benign corpora: every benign session of `test/corpus` and of the InjecAgent-derived corpus,
 *    merged in time order into one stream (one tenant, so tools learn across sessions), replayed
 *    with the shipped rules and with a short learning window (5 calls) that exposes more traffic to
 *    judgement; tune and holdout splits apart (`eval-split.ts`);
 *  - a long benign run: the demo's benign-work scenario (`demo/scenarios.ts`: its tools and the
 *    shape of its arguments, values varied) played every 5 minutes for --hours of simulated time;
 *  - cost: CPU µs per event of the engine with every detector, with and without this one.
 * Usage: node --import tsx bench/argument-shape.ts [--hours 48] [--verbose]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Alert, McpEvent } from '../model/index.js';
import {
  ALL_DETECTORS,
  DetectorEngine,
  MemoryStateStore,
  defaultRules,
  replayTranscript,
  rulesWith,
  type DetectorRules,
} from '../detectors/index.js';
import { evalSplit, type EvalSplit } from './eval-split.js';
import { injecagentCorpus, ownCorpus, type SessionCorpus } from './eval-sessions.js';

const { values: opts } = parseArgs({
  options: { hours: { type: 'string', default: '48' }, verbose: { type: 'boolean', default: false } },
});

const shipped = defaultRules();
const shortLearning = rulesWith({
  argument_shape: { ...shipped.argument_shape, learning_calls: 5, learning_window_ms: 0, min_values: 5 },
});

/** Benign transcripts of one split, merged into one stream in time order (stable within a session). */
function benignStream(corpus: SessionCorpus, split: EvalSplit): { text: string; sessions: number } {
  const lines: Array<{ ts: string; line: string; order: number }> = [];
  let sessions = 0;
  for (const c of corpus.cases) {
    if (c.attack || evalSplit(c.file) !== split) continue;
    sessions++;
    for (const line of readFileSync(join(corpus.root, c.file), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const ts = (JSON.parse(line) as { ts: string }).ts;
      lines.push({ ts, line, order: lines.length });
    }
  }
  lines.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.order - b.order));
  return { text: lines.map((l) => l.line).join('\n'), sessions };
}

function argumentAlerts(alerts: Alert[]): Alert[] {
  return alerts.filter((a) => a.rule.startsWith('argument_shape.') && a.status === 'firing');
}

function byKind(alerts: Alert[]): string {
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.rule, (counts.get(a.rule) ?? 0) + 1);
  return [...counts].map(([rule, n]) => `${rule.replace('argument_shape.', '')} ${n}`).join(', ') || '-';
}

function report(alerts: Alert[]): void {
  if (!opts.verbose) return;
  for (const a of alerts) console.log(`    ${a.severity} ${a.server_name}/${a.tool}: ${a.summary}`);
}

/** The demo's benign-work calls (filesystem, memory, everything), values varied per run. */
function demoBenignTranscript(hours: number): string {
  const lines: string[] = [];
  const start = Date.parse('2026-12-01T00:00:00.000Z');
  const root = '/tmp/mcptap-demo-3f9a/project';
  const files = ['README.md', 'docs/deploy.md', 'docs/testing.md', 'src/invoice.ts', 'CHANGELOG.md'];
  const steps = ['build', 'test', 'lint', 'package', 'deploy', 'verify'];
  let id = 0;
  const runs = Math.floor((hours * 60) / 5);
  for (let run = 0; run < runs; run++) {
    let ms = start + run * 5 * 60_000;
    const session = `demo-benign-${run}`;
    const at = () => new Date((ms += 350)).toISOString();
    const call = (server: string, name: string, args: unknown, result: string) => {
      id++;
      lines.push(
        JSON.stringify({
          ts: at(),
          session,
          server,
          dir: 'c2s',
          msg: { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } },
        }),
        JSON.stringify({
          ts: at(),
          session,
          server,
          dir: 's2c',
          msg: { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: result }] } },
        }),
      );
    };
    lines.push(JSON.stringify({ ts: at(), session, host: 'user_turn', text: 'What does the README say?' }));
    call('filesystem', 'list_directory', { path: root }, '[FILE] README.md\n[DIR] docs');
    for (const file of [files[run % files.length], files[(run + 2) % files.length]])
      call('filesystem', 'read_text_file', { path: `${root}/${file}` }, `# ${file}\nRun make test.`);
    call(
      'memory',
      'create_entities',
      {
        entities: [
          {
            name: `service-${run % 17}`,
            entityType: 'project',
            observations: [`tests run with make ${steps[run % steps.length]}`.repeat(1 + (run % 3))],
          },
        ],
      },
      '[]',
    );
    call('memory', 'read_graph', {}, '{"entities":[],"relations":[]}');
    for (const step of steps.slice(0, 3 + (run % 4)))
      call('everything', 'echo', { message: `step ${step} done` }, `Echo: step ${step} done`);
  }
  return lines.join('\n');
}

function cpuMicrosPerEvent(events: readonly McpEvent[], rules: DetectorRules, withDetector: boolean): number {
  const detectors = withDetector ? ALL_DETECTORS : ALL_DETECTORS.filter((d) => d.id !== 'argument_shape');
  const pass = () => {
    const engine = new DetectorEngine({ rules, detectors }, new MemoryStateStore());
    for (const event of events) engine.process(event);
  };
  pass(); // warm-up
  const started = process.cpuUsage();
  const passes = 3;
  for (let i = 0; i < passes; i++) pass();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / (passes * events.length);
}

console.log('argument_shape on benign traffic (firing alerts, any severity)');
for (const corpus of [ownCorpus(), injecagentCorpus()]) {
  for (const split of ['tune', 'holdout'] as const) {
    const { text, sessions } = benignStream(corpus, split);
    for (const [label, rules] of [
      ['shipped rules', shipped],
      ['5-call learning', shortLearning],
    ] as const) {
      const result = replayTranscript(text, { rules, tenant: 'bench', hostId: 'bench' });
      const alerts = argumentAlerts(result.alerts);
      const calls = result.events.filter((e) => e.kind === 'tool_call').length;
      console.log(
        `  ${corpus.name} ${split}: ${sessions} sessions, ${calls} calls, ${label}: ${alerts.length} alerts (${byKind(alerts)})`,
      );
      report(alerts);
    }
  }
}

const hours = Number(opts.hours);
const demo = demoBenignTranscript(hours);
let demoEvents: McpEvent[] = [];
for (const [label, rules] of [
  ['shipped rules', shipped],
  ['5-call learning', shortLearning],
] as const) {
  const result = replayTranscript(demo, { rules, tenant: 'bench', hostId: 'bench' });
  demoEvents = result.events;
  const alerts = argumentAlerts(result.alerts);
  const calls = result.events.filter((e) => e.kind === 'tool_call').length;
  console.log(
    `  demo benign-work every 5 min for ${hours} h: ${calls} calls, ${label}: ${alerts.length} alerts (${byKind(alerts)})`,
  );
  report(alerts);
}

const without = cpuMicrosPerEvent(demoEvents, shortLearning, false);
const withIt = cpuMicrosPerEvent(demoEvents, shortLearning, true);
console.log(
  `cost on ${demoEvents.length} demo events (CPU µs per event, every detector): without ${without.toFixed(1)}, with ${withIt.toFixed(1)} (+${(withIt - without).toFixed(1)})`,
);
