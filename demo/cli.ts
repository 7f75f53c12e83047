import { parseArgs } from 'node:util';
import type { ObservedAlert, Progress } from './demo-stack.js';
import { startFullStack } from './full-stack.js';
import { runDemo, TAMPERING, type DemoResult, type StackContext } from './run-demo.js';
import { SCENARIOS } from './scenarios.js';

const USAGE = `Usage: mcptap demo [--stack embedded|full] [--json] [--keep] [--scenario NAME ...]

Runs the whole pipeline on this machine and plays benign work and every threat against real MCP
servers (filesystem, memory, everything from npm) and the project's malicious test servers, through
the shim. Prints alerts as on-call receives them, then a summary. Exits 0 only when every scenario
was detected, nothing unexpected fired, every event was stored and every session's forensic
timeline matches what the script did.

  --stack embedded   one process: mcptap local with embedded ClickHouse (default)
  --stack full       Kafka, ClickHouse server and Alertmanager (started by scripts/infra.sh),
                     with mcptap collector, detectors and sink as separate processes
  --json             print only the summary, as one JSON object
  --keep             leave the servers running afterwards (full stack)
  --scenario NAME    play only this scenario (repeatable): ${[...SCENARIOS.map((s) => s.name), TAMPERING].join(', ')}
`;

const COLLECTOR_PORT = Number(process.env.MCPTAP_DEMO_COLLECTOR_PORT ?? 14318);
const SINK_METRICS_PORT = Number(process.env.MCPTAP_DEMO_SINK_METRICS_PORT ?? 14465);
const DETECTORS_METRICS_PORT = Number(process.env.MCPTAP_DEMO_DETECTORS_METRICS_PORT ?? 14466);

function printSummary(result: DemoResult): void {
  const line = '─'.repeat(100);
  console.log(`\n${line}\nmcptap demo — ${result.stack} stack — tenant ${result.tenant}\n${line}`);
  for (const s of result.scenarios) {
    const mark = s.detected && s.timeline_matches ? '✔' : '✘';
    const expected = s.expected.length > 0 ? s.expected.join(', ') : '(no alert expected)';
    const latency =
      s.latency_ms === null
        ? ''
        : `  ${s.name === TAMPERING ? 'tampered→reported' : 'event→alert'} ${s.latency_ms} ms`;
    console.log(`${mark} ${s.name.padEnd(24)} expected: ${expected}${latency}`);
    if (s.missing.length > 0) console.log(`    missing: ${s.missing.join(', ')}`);
    if (s.rules_seen.length > 0 && s.name !== TAMPERING)
      console.log(`    fired:   ${s.rules_seen.join(', ')}`);
    if (!s.timeline_matches) console.log(`    timeline: ${s.timeline_problem}`);
    if (s.identity !== undefined) console.log(`    identity: ${s.identity}`);
    for (const finding of s.audit_findings ?? []) console.log(`    found:   ${finding}`);
    console.log(`    ${s.name === TAMPERING ? 'verified' : 'forensics'}: ${s.session_command}`);
  }
  console.log(
    `\nunexpected alerts: ${result.unexpected_alerts}` +
      result.unexpected
        .map((a) => `\n    ${a.rule} (${a.severity}) in ${a.session}: ${a.summary.slice(0, 120)}`)
        .join(''),
  );
  console.log(
    `events: ${result.events_emitted} sent by the shim, ${result.events_stored} stored` +
      (result.spans_dropped > 0 ? `, ${result.spans_dropped} dropped by the shim` : '') +
      (result.spans_export_failed > 0
        ? `, ${result.spans_export_failed} spans the shim could not deliver`
        : ''),
  );
  if (result.problems.length > 0) {
    console.log(`
problems in the stack:
${result.problems.map((p) => `    ${p}`).join('\n')}`);
  }
  for (const hint of result.hints) console.log(hint);
  console.log(
    result.ok
      ? '\nAll scenarios detected; nothing unexpected.'
      : '\nThe demo did NOT go as expected (see above).',
  );
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string', default: 'embedded' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.stack !== 'embedded' && values.stack !== 'full') {
    console.error(`mcptap demo: --stack must be embedded or full\n\n${USAGE}`);
    return 2;
  }
  const stackKind = values.stack;
  const started = Date.now();
  const progress: Progress = values.json
    ? () => undefined
    : (step, detail) =>
        console.log(
          `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${step.padEnd(9)} ${detail ?? ''}`,
        );
  const onAlert = (alert: ObservedAlert, scenario: string) => {
    if (values.json) return;
    const latency = alert.receivedMs - alert.eventTimeMs;
    console.log(
      `  🚨 ${alert.severity.toUpperCase().padEnd(8)} ${alert.rule.padEnd(30)} ${scenario.padEnd(24)} ` +
        `${alert.server}${alert.tool ? `/${alert.tool}` : ''} (+${latency} ms)\n      ${alert.summary.slice(0, 160)}`,
    );
  };
  const startStack = async (context: StackContext) => {
    if (stackKind === 'full')
      return startFullStack({
        ...context,
        collectorPort: COLLECTOR_PORT,
        sinkMetricsPort: SINK_METRICS_PORT,
        detectorsMetricsPort: DETECTORS_METRICS_PORT,
      });
    const { startEmbeddedStack } = await import('./embedded-stack.js');
    return startEmbeddedStack(context);
  };

  let stopStack: (() => Promise<void>) | undefined;
  const onSignal = () => {
    console.error('\nmcptap demo: interrupted, stopping what it started…');
    void (stopStack?.() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await runDemo({
      stack: stackKind,
      keep: values.keep,
      only: values.scenario,
      settleTimeoutMs: 60_000,
      progress,
      onAlert,
      startStack,
      onStackStarted: (stop) => (stopStack = stop),
    });
    if (values.json) {
      console.log(
        JSON.stringify({
          stack: result.stack,
          run_id: result.run_id,
          scenarios: result.scenarios.map((s) => ({
            name: s.name,
            expected: s.expected,
            detected: s.detected,
            latency_ms: s.latency_ms,
            timeline_matches: s.timeline_matches,
            ...(s.timeline_matches ? {} : { timeline_problem: s.timeline_problem }),
            ...(s.missing.length === 0 ? {} : { missing: s.missing }),
            ...(s.identity === undefined ? {} : { identity: s.identity }),
            ...(s.audit_findings === undefined ? {} : { audit_findings: s.audit_findings }),
            session: s.session,
          })),
          unexpected_alerts: result.unexpected_alerts,
          events_stored: result.events_stored,
          events_emitted: result.events_emitted,
          spans_dropped: result.spans_dropped,
          spans_export_failed: result.spans_export_failed,
          ...(result.ok ? {} : { problems: result.problems }),
          wall_ms: Date.now() - started,
        }),
      );
    } else {
      printSummary(result);
      console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    return result.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
