import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { DEFAULT_RULES_PATH } from '../detectors/index.js';
import { EVENT_KINDS, errorMessage } from '../model/index.js';
import { McpHostTelemetry, startMcptap } from '../shim/index.js';
import type { TimelineEntry, UserActivity } from '../storage/index.js';
import type { AuditVerification, DemoStack, ObservedAlert, Progress, Tampering } from './demo-stack.js';
import { createSandbox } from './sandbox.js';
import { APPROVED_DEMO_SERVERS, ruleMatches, SCENARIOS, type Scenario } from './scenarios.js';
import type { ScriptStep } from './scripted-host.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface DemoOptions {
  stack: 'full' | 'embedded';
  keep: boolean;
  /** Scenario names to play (and `tampering`); all when empty. */
  only: readonly string[];
  /** How long to wait for alerts and stored events after the last scenario. */
  settleTimeoutMs: number;
  progress: Progress;
  onAlert: (alert: ObservedAlert, scenario: string) => void;
  startStack: (context: StackContext) => Promise<DemoStack>;
  /** Told how to stop the stack, so that Ctrl-C can stop what the demo started. */
  onStackStarted?: (stop: () => Promise<void>) => void;
}

export interface StackContext {
  runId: string;
  workDir: string;
  rulesPath: string;
  keep: boolean;
  progress: Progress;
}

export interface ScenarioResult {
  name: string;
  title: string;
  session: string;
  expected: string[];
  detected: boolean;
  missing: string[];
  /** Slowest of the expected rules' first alerts: event time → on-call received it. */
  latency_ms: number | null;
  rules_seen: string[];
  timeline_matches: boolean;
  timeline_problem: string;
  session_command: string;
  /** For a scenario played for a user: what on-call and the store's per-user view showed of them. */
  identity?: string;
  /** For the tampering scenario: what `mcptap audit verify` said of each changed row. */
  audit_findings?: string[];
}

export interface DemoResult {
  stack: 'full' | 'embedded';
  run_id: string;
  tenant: string;
  scenarios: ScenarioResult[];
  unexpected_alerts: number;
  unexpected: ObservedAlert[];
  events_emitted: number;
  events_stored: number;
  spans_dropped: number;
  /** Spans the shim's exporter could not deliver (the collector refused them or was unreachable). */
  spans_export_failed: number;
  /** For a failed run: what went wrong inside the stack. */
  problems: string[];
  hints: string[];
  ok: boolean;
}

/** The demo's rules: the shipped defaults with a learning window short enough for one run. */
async function writeDemoRules(path: string): Promise<void> {
  const rules = parse(await readFile(DEFAULT_RULES_PATH, 'utf8')) as Record<string, Record<string, unknown>>;
  rules.new_destination = { ...rules.new_destination, learning_window_ms: 2000 };
  rules.argument_shape = { ...rules.argument_shape, learning_calls: 4, learning_window_ms: 0, min_values: 4 };
  rules.server_policy = { ...rules.server_policy, path: 'policy.yaml' };
  await writeFile(
    path,
    `# Written by mcptap demo: the shipped rules with a 2 s learning window, 4-call argument learning and a server policy.\n${stringify(rules)}`,
  );
  const approved = APPROVED_DEMO_SERVERS.map((name) => ({ name, trust: 'first_party' }));
  await writeFile(
    join(dirname(path), 'policy.yaml'),
    `# Written by mcptap demo: only the benign servers are approved.\n${stringify({ version: 1, servers: approved })}`,
  );
}

function scenarioOf(alert: ObservedAlert, sessions: Map<string, Scenario>): Scenario | undefined {
  return sessions.get(alert.session);
}

/** Checks a stored timeline against what the script did: the same turns, tool calls and outputs, in order. */
export function compareTimeline(steps: readonly ScriptStep[], timeline: readonly TimelineEntry[]): string {
  const stored: ScriptStep[] = [];
  for (const entry of timeline) {
    const record = entry.record as Record<string, unknown>;
    if (record.kind === 'turn' && record.phase === 'start') {
      stored.push({
        kind: 'turn',
        text: String((record.text as { text?: string } | undefined)?.text ?? record.text ?? ''),
      });
    } else if (record.kind === 'assistant_output') {
      stored.push({ kind: 'assistant_output', text: '' });
    } else if (record.kind === 'tool_call') {
      stored.push({ kind: 'tool_call', server: String(record.server_name), tool: String(record.tool) });
    }
  }
  const describe = (step: ScriptStep | undefined) =>
    step === undefined
      ? 'nothing'
      : step.kind === 'tool_call'
        ? `tool call ${step.server}/${step.tool}`
        : step.kind === 'turn'
          ? `turn "${step.text}"`
          : 'assistant output';
  for (let i = 0; i < Math.max(steps.length, stored.length); i++) {
    const want = steps[i];
    const got = stored[i];
    const same =
      want !== undefined &&
      got !== undefined &&
      want.kind === got.kind &&
      (want.kind !== 'tool_call' ||
        (got.kind === 'tool_call' && want.server === got.server && want.tool === got.tool)) &&
      (want.kind !== 'turn' || (got.kind === 'turn' && want.text === got.text));
    if (!same) return `step ${i + 1}: the script did ${describe(want)}, the store has ${describe(got)}`;
  }
  return '';
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { progress } = options;
  const runId = `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  const workDir = join(REPO_ROOT, '.mcptap', 'demo', runId);
  await mkdir(workDir, { recursive: true });
  const rulesPath = join(workDir, 'rules.yaml');
  await writeDemoRules(rulesPath);
  const unknown = options.only.filter(
    (name) => name !== TAMPERING && !SCENARIOS.some((s) => s.name === name),
  );
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${[...SCENARIOS.map((s) => s.name), TAMPERING].join(', ')}`,
    );
  }
  const tampering = options.only.length === 0 || options.only.includes(TAMPERING);
  const scenarios =
    options.only.length > 0 ? SCENARIOS.filter((s) => options.only.includes(s.name)) : SCENARIOS;
  if (scenarios.length === 0)
    throw new Error(`the ${TAMPERING} scenario needs another scenario's stored rows`);

  const stack = await options.startStack({ runId, workDir, rulesPath, keep: options.keep, progress });
  options.onStackStarted?.(() => stack.stop());
  const sandbox = await createSandbox();
  const sessions = new Map<string, Scenario>();
  const logs = new Map<string, ScriptStep[]>();
  const reported = new Set<string>();
  try {
    const mcptap = startMcptap({
      endpoint: stack.collectorUrl,
      apiKey: stack.apiKey,
      serviceName: 'mcptap-demo-host',
      registerGlobal: false,
      maxQueueSize: 8192,
      scheduledDelayMillis: 200,
    });
    const telemetry = new McpHostTelemetry({
      tracer: mcptap.tracer,
      metrics: mcptap.metrics,
      hostId: 'demo-laptop',
    });
    const pollAlerts = async () => {
      for (const alert of await stack.observedAlerts()) {
        const key = `${alert.fingerprint}|${alert.receivedMs}`;
        if (reported.has(key)) continue;
        reported.add(key);
        options.onAlert(alert, scenarioOf(alert, sessions)?.name ?? '?');
      }
    };
    const poller = setInterval(() => void pollAlerts().catch(() => undefined), 500);
    try {
      for (const scenario of scenarios) {
        const sessionId = `demo-${runId}-${scenario.name}`;
        sessions.set(sessionId, scenario);
        const log: ScriptStep[] = [];
        logs.set(sessionId, log);
        progress('scenario', scenario.title);
        await scenario.run({ telemetry, sandbox, sessionId, log, user: scenario.user });
      }
      telemetry.flush();
      await mcptap.shutdown();
      const emitted = EVENT_KINDS.reduce((sum, kind) => sum + mcptap.metrics.events.get({ kind }), 0);
      const dropped = mcptap.metrics.spansDropped.get();
      const exported = mcptap.metrics.spansExported;
      const exportFailed = exported.total() - exported.get({ outcome: 'ok' });
      progress('settle', `${emitted} events sent; waiting for alerts and storage`);

      const deadline = Date.now() + options.settleTimeoutMs;
      let stored = 0;
      let timelines = new Map<string, TimelineEntry[]>();
      for (;;) {
        await pollAlerts();
        timelines = new Map(
          await Promise.all([...sessions.keys()].map(async (id) => [id, await stack.timeline(id)] as const)),
        );
        stored = [...timelines.values()].reduce(
          (sum, t) => sum + t.filter((e) => e.table !== 'alerts').length,
          0,
        );
        const alerts = await stack.observedAlerts();
        const allDetected = scenarios.every((scenario) =>
          scenario.expectedRules.every((rule) =>
            alerts.some((a) => sessions.get(a.session) === scenario && ruleMatches(a.rule, rule)),
          ),
        );
        if ((stored >= emitted && allDetected) || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // A moment more, so that an alert that should not fire has the chance to show itself.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await pollAlerts();
      const alerts = await stack.observedAlerts();

      const users = await storedUsers(stack, [...sessions], logs, alerts, deadline);
      const results: ScenarioResult[] = [];
      for (const [sessionId, scenario] of sessions) {
        const mine = alerts.filter((a) => a.session === sessionId);
        const missing = scenario.expectedRules.filter((rule) => !mine.some((a) => ruleMatches(a.rule, rule)));
        const latencies = scenario.expectedRules.flatMap((rule) => {
          const first = mine
            .filter((a) => ruleMatches(a.rule, rule))
            .sort((a, b) => a.receivedMs - b.receivedMs)[0];
          return first ? [Math.max(0, first.receivedMs - first.eventTimeMs)] : [];
        });
        const problem = compareTimeline(logs.get(sessionId) ?? [], timelines.get(sessionId) ?? []);
        const identity =
          scenario.user === undefined
            ? undefined
            : identityCheck(scenario, mine, users, logs.get(sessionId) ?? []);
        missing.push(...(identity?.problems ?? []));
        results.push({
          name: scenario.name,
          title: scenario.title,
          session: sessionId,
          expected: [...scenario.expectedRules],
          detected: missing.length === 0,
          missing,
          latency_ms: latencies.length > 0 ? Math.max(...latencies) : null,
          rules_seen: [...new Set(mine.map((a) => a.rule))].sort(),
          timeline_matches: problem === '',
          timeline_problem: problem,
          session_command: stack.sessionCommand(sessionId),
          ...(identity === undefined ? {} : { identity: identity.shown }),
        });
      }
      if (tampering) {
        progress(
          'tamper',
          'sealing, then editing and deleting stored rows; mcptap audit verify must name them',
        );
        results.push(await tamperingResult(stack, timelines));
      }
      const unexpected = alerts.filter((alert) => {
        const scenario = sessions.get(alert.session);
        if (!scenario) return true;
        return ![...scenario.expectedRules, ...scenario.allowedRules].some((rule) =>
          ruleMatches(alert.rule, rule),
        );
      });
      const ok =
        results.every((r) => r.detected && r.timeline_matches) &&
        unexpected.length === 0 &&
        stored === emitted &&
        dropped === 0 &&
        exportFailed === 0;
      return {
        stack: stack.kind,
        run_id: runId,
        tenant: stack.tenant,
        scenarios: results,
        unexpected_alerts: unexpected.length,
        unexpected,
        events_emitted: emitted,
        events_stored: stored,
        spans_dropped: dropped,
        spans_export_failed: exportFailed,
        problems: ok ? [] : await stack.problems(),
        hints: stack.hints,
        ok,
      };
    } finally {
      clearInterval(poller);
    }
  } finally {
    await sandbox.remove();
    await stack.stop();
  }
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The tampering scenario's name (it plays no session: it changes what the others stored). */
export const TAMPERING = 'tampering';

/** The user of each scenario played for one, as the store's per-user view counts them. */
async function storedUsers(
  stack: DemoStack,
  sessions: readonly (readonly [string, Scenario])[],
  logs: ReadonlyMap<string, ScriptStep[]>,
  alerts: readonly ObservedAlert[],
  deadline: number,
): Promise<UserActivity[]> {
  // Alerts are stored just after they fire: ask again until each user's view is complete.
  for (;;) {
    const users = await stack.users();
    const complete = sessions.every(([id, scenario]) => {
      if (scenario.user === undefined) return true;
      const mine = alerts.filter((a) => a.session === id);
      return identityCheck(scenario, mine, users, logs.get(id) ?? []).problems.length === 0;
    });
    if (complete || Date.now() > deadline) return users;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * A scenario played for a user: every alert on-call received names that user and team, and the
 * store's per-user view (`#/users` in the console) counts the session's calls and its alerts for them.
 */
function identityCheck(
  scenario: Scenario,
  alerts: readonly ObservedAlert[],
  users: readonly UserActivity[],
  steps: readonly ScriptStep[],
): { problems: string[]; shown: string } {
  const user = scenario.user!;
  const problems = alerts
    .filter((a) => a.user !== user.userId || a.team !== user.team)
    .map(
      (a) =>
        `identity: the ${a.rule} alert names user '${a.user}' (team '${a.team}'), not ${user.userId} (${user.team})`,
    );
  const calls = steps.filter((step) => step.kind === 'tool_call').length;
  const stored = users.find((u) => u.user_id === user.userId);
  if (stored === undefined) {
    problems.push(`identity: the store has nothing for user ${user.userId}`);
    return { problems, shown: `${user.userId}: not in the store` };
  }
  if (stored.calls !== calls)
    problems.push(
      `identity: the store has ${stored.calls} calls for ${user.userId}, the script made ${calls}`,
    );
  if (!stored.teams.includes(user.team))
    problems.push(
      `identity: the store has ${user.userId} in teams ${stored.teams.join(', ') || '-'}, not ${user.team}`,
    );
  const alertsExpected = scenario.expectedRules.length > 0;
  if (alertsExpected ? stored.alerts === 0 : stored.alerts > 0)
    problems.push(`identity: the store has ${stored.alerts} alerts for ${user.userId}`);
  return {
    problems,
    shown:
      `${user.userId} (team ${user.team}): ${count(stored.calls, 'call')}, ${count(stored.alerts, 'alert')} in the store; ` +
      `${count(alerts.length, 'alert')} to on-call, each naming them`,
  };
}

/** Two stored tool calls of the played sessions: one to edit, one to delete. */
function tamperingTargets(timelines: ReadonlyMap<string, TimelineEntry[]>): Tampering | undefined {
  const calls = [...timelines.values()]
    .flat()
    .filter((entry) => entry.table === 'tool_calls')
    .map((entry) => String((entry.record as { event_id?: unknown }).event_id));
  if (calls.length < 2) return undefined;
  return {
    edit: { table: 'tool_calls', eventId: calls[0]!, column: 'duration_ms', value: 1 },
    delete: { table: 'tool_calls', eventId: calls[calls.length - 1]! },
  };
}

/** The tampering scenario, reported as the others are: detected when verify names both rows. */
async function tamperingResult(
  stack: DemoStack,
  timelines: ReadonlyMap<string, TimelineEntry[]>,
): Promise<ScenarioResult> {
  const expected = ['edited_row', 'deleted_row'];
  const result = (fields: Partial<ScenarioResult>): ScenarioResult => ({
    name: TAMPERING,
    title:
      'tampering: a stored tool call is edited and another deleted in the store; mcptap audit verify names both',
    session: '',
    expected,
    detected: false,
    missing: expected,
    latency_ms: null,
    rules_seen: [],
    timeline_matches: true,
    timeline_problem: '',
    session_command: '',
    ...fields,
  });
  const targets = tamperingTargets(timelines);
  if (targets === undefined) return result({ missing: ['fewer than two stored tool calls to tamper with'] });
  let verification: AuditVerification;
  try {
    verification = await stack.tamperAndVerify(targets);
  } catch (error) {
    return result({
      missing: [`tampering failed: ${errorMessage(error)}`],
    });
  }
  const findings = verification.report?.findings ?? [];
  const named = (kind: string, target: { table: string; eventId: string }) =>
    findings.find((f) => f.kind === kind && f.member === `${target.table}/${target.eventId}`);
  const edited = named('edited_row', targets.edit);
  const deleted = named('deleted_row', targets.delete);
  const missing = [
    ...(edited === undefined ? [`edited_row of ${targets.edit.table}/${targets.edit.eventId}`] : []),
    ...(deleted === undefined ? [`deleted_row of ${targets.delete.table}/${targets.delete.eventId}`] : []),
    ...(verification.exitCode === 1
      ? []
      : [`exit 1 (it exited ${verification.exitCode}: ${verification.stderr})`]),
  ];
  return result({
    detected: missing.length === 0,
    missing,
    latency_ms: verification.elapsedMs,
    rules_seen: [...new Set(findings.map((f) => f.kind))].sort(),
    session_command: verification.command,
    audit_findings: [edited, deleted].flatMap((f) => (f === undefined ? [] : [`${f.kind}: ${f.message}`])),
  });
}
