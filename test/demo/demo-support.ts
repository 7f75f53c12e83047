import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MCPTAP = fileURLToPath(new URL('../../bin/mcptap.js', import.meta.url));

export interface DemoSummary {
  stack: 'embedded' | 'full';
  scenarios: {
    name: string;
    expected: string[];
    detected: boolean;
    latency_ms: number | null;
    timeline_matches: boolean;
    /** Where the stored timeline and the script part, when they do. */
    timeline_problem?: string;
    missing?: string[];
    /** A scenario played for a user: what on-call and the store's per-user view showed. */
    identity?: string;
    /** The tampering scenario: what `mcptap audit verify` said of each changed row. */
    audit_findings?: string[];
  }[];
  unexpected_alerts: number;
  events_stored: number;
  events_emitted: number;
  spans_dropped: number;
  spans_export_failed: number;
  /** For a failed run: services that exited, their warnings and errors. */
  problems?: string[];
}

/** Runs `mcptap demo --json` as a user would and returns its exit code and summary. */
export async function runDemoCommand(
  args: string[],
): Promise<{ code: number | null; summary: DemoSummary; stderr: string }> {
  const child = spawn(process.execPath, [MCPTAP, 'demo', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = stdout.trim().split('\n').pop() ?? '';
  let summary: DemoSummary;
  try {
    summary = JSON.parse(line) as DemoSummary;
  } catch {
    assert.fail(
      `mcptap demo printed no JSON summary (exit ${code}).\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-4000)}`,
    );
  }
  return { code, summary, stderr };
}

/** What every demo run must show, on either stack. */
export function assertDemoSucceeded(result: {
  code: number | null;
  summary: DemoSummary;
  stderr: string;
}): void {
  const { summary } = result;
  const context = `\nproblems in the stack:\n${(summary.problems ?? []).join('\n')}`;
  const names = summary.scenarios.map((s) => s.name);
  for (const expected of [
    'benign-work',
    'poisoned-organize-files',
    'github-issue-injection',
    'rug-pull',
    'email-shadowing',
    'metadata-ssrf',
    'runaway-chain',
    'new-destination',
    'encoded-argument',
    'unapproved-server',
    'user-identity',
    'tampering',
  ]) {
    assert.ok(names.includes(expected), `scenario ${expected} was played`);
  }
  const played = (name: string) => summary.scenarios.find((s) => s.name === name)!;
  // Two users: the alerting one's alert names them, the other has calls and no alert in the store.
  assert.match(
    played('user-identity').identity ?? '',
    /^bob@acme\.example \(team growth\): 1 call, [1-9]\d* alerts?/,
  );
  assert.match(
    played('benign-work').identity ?? '',
    /^alice@acme\.example \(team billing\): \d+ calls, 0 alerts/,
  );
  // Verify names the edited and the deleted row, each with its segment's time range.
  const findings = played('tampering').audit_findings ?? [];
  assert.deepEqual(
    findings.map((f) => f.split(':')[0]),
    ['edited_row', 'deleted_row'],
    `mcptap audit verify named both rows${context}\n${(played('tampering').missing ?? []).join('\n')}`,
  );
  for (const finding of findings)
    assert.match(finding, /row tool_calls\/\S+ .*segment \S+ \(\d{4}-\d\d-\d\dT[^)]*\)/);
  for (const scenario of summary.scenarios) {
    assert.ok(
      scenario.detected,
      `${scenario.name}: every expected alert (${scenario.expected.join(', ')}) arrived; missing: ${(scenario.missing ?? []).join('; ')}${context}`,
    );
    assert.ok(
      scenario.timeline_matches,
      `${scenario.name}: the stored forensic timeline matches the script (${scenario.timeline_problem ?? ''}; ` +
        `${summary.events_stored} of ${summary.events_emitted} events stored)${context}`,
    );
    if (scenario.expected.length > 0) assert.notEqual(scenario.latency_ms, null);
  }
  assert.equal(summary.unexpected_alerts, 0, `no unexpected alert (the benign part stays silent)${context}`);
  assert.equal(summary.spans_dropped, 0, `the shim dropped no span${context}`);
  assert.equal(summary.spans_export_failed, 0, `the shim delivered every span${context}`);
  assert.ok(summary.events_emitted > 100, `the scenarios emitted events (${summary.events_emitted})`);
  assert.equal(summary.events_stored, summary.events_emitted, `every event reached the store${context}`);
  assert.equal(
    result.code,
    0,
    `mcptap demo exits 0 when all went as expected\n${result.stderr.slice(-2000)}`,
  );
}
