/**
 * Records benign sessions with real MCP servers through the real `mcptap proxy --record` (as a host
 * would run it), for the labelled session corpus: each session of `live-session-scenarios.ts` is
 * driven by the MCP SDK client through the proxy, the host's own lines (the user's turns, the
 * model's answers) are merged into the proxy's transcript by time, and the result is written to
 * `test/corpus/transcripts/live-<name>.jsonl` with a benign entry in `test/corpus/labels.json` that
 * names the package it ran (`server`: package@version and registry; other entries are kept), then
 * replayed through every detector; medium+ alerts are printed.
 * The servers are installed outside the repository (`server-install.ts`) and work offline; the
 * proxy exports to a closed loopback port, so its spans go nowhere.
 *
 * Usage: node --import tsx scripts/corpus/record-live-sessions.ts [NAME ...]   (default: all)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { errorMessage, isAtLeast } from '../../model/index.js';
import { defaultRules, replayTranscript } from '../../detectors/index.js';
import { installServer } from './server-install.js';
import { LIVE_SESSIONS, type LiveSession } from './live-session-scenarios.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPUS = join(repo, 'test', 'corpus');
const MCPTAP_BIN = join(repo, 'bin', 'mcptap.js');
// Nothing listens on the discard port: the proxy's exports fail and are dropped, the recording stands.
const NO_COLLECTOR = 'http://127.0.0.1:9';
// Fixed paths, so that a transcript names the same files whenever it is recorded again.
const WORK_ROOT = join(tmpdir(), 'mcptap-live-sessions');
// Host lines and wire lines never share a millisecond, so merging them by time keeps their order.
const STEP_GAP_MS = 5;

interface HostLine {
  ts: string;
  session: string;
  host: 'user_turn' | 'assistant_output';
  text: string;
}

/** Drives one session through the proxy; returns the merged transcript and the package it ran. */
async function record(session: LiveSession, prefix: string): Promise<{ transcript: string; server: string }> {
  const dir = join(WORK_ROOT, session.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  session.setup?.(dir);
  const spec = session.spec(dir);
  const installed = installServer(prefix, spec);
  const recordFile = join(prefix, `${session.name}.jsonl`);
  const sessionId = `live-${session.name}`;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      MCPTAP_BIN,
      'proxy',
      '--name',
      session.server,
      '--session',
      sessionId,
      '--user',
      'dana@example.com',
      '--record',
      recordFile,
      '--collector',
      NO_COLLECTOR,
      '--',
      installed.command,
      ...installed.args,
      ...(spec.args ?? []),
    ],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      MCPTAP_API_KEY: 'live-session-recording',
      MCPTAP_DATA_DIR: join(prefix, `${session.name}-data`),
      ...spec.env,
    },
    cwd: dir,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'mcptap-live-session', version: '1.0.0' });
  const host: HostLine[] = [];
  const say = async (kind: HostLine['host'], text: string) => {
    await sleep(STEP_GAP_MS);
    host.push({ ts: new Date().toISOString(), session: sessionId, host: kind, text });
    await sleep(STEP_GAP_MS);
  };
  await client.connect(transport);
  try {
    const caps = client.getServerCapabilities() ?? {};
    await client.listTools();
    if (caps.prompts) await client.listPrompts();
    if (caps.resources) await client.listResources();
    for (const turn of session.turns(dir)) {
      await say('user_turn', turn.user);
      for (const call of turn.calls) {
        const result = await client.callTool({ name: call.tool, arguments: call.arguments });
        if (result.isError === true) {
          throw new Error(`${call.tool} failed: ${JSON.stringify(result.content).slice(0, 300)}`);
        }
      }
      await say('assistant_output', turn.answer);
    }
  } finally {
    await client.close();
  }
  const wire = readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const lines = [...wire, ...host.map((line) => JSON.stringify(line))];
  const tsOf = (line: string) => (JSON.parse(line) as { ts: string }).ts;
  // A stable sort: wire lines of one millisecond keep the order the proxy wrote them in.
  lines.sort((a, b) => tsOf(a).localeCompare(tsOf(b)));
  return {
    transcript: `${lines.join('\n')}\n`,
    server: `${spec.pkg}@${installed.version} (${spec.registry ?? 'npm'})`,
  };
}

const wanted = process.argv.slice(2);
const sessions = wanted.length > 0 ? LIVE_SESSIONS.filter((s) => wanted.includes(s.name)) : LIVE_SESSIONS;
const labelsPath = join(CORPUS, 'labels.json');
const labels = JSON.parse(readFileSync(labelsPath, 'utf8')) as Record<string, unknown>;
const rules = defaultRules();
const prefix = mkdtempSync(join(tmpdir(), 'mcptap-live-install-'));
let failed = 0;
try {
  for (const session of sessions) {
    try {
      const { transcript, server } = await record(session, prefix);
      const file = `transcripts/live-${session.name}.jsonl`;
      writeFileSync(join(CORPUS, file), transcript);
      labels[file] = { threat: 'benign', domain: session.domain, expect: [], server };
      const { alerts, errors } = replayTranscript(transcript, { rules, tenant: 'live', hostId: 'h' });
      const loud = alerts.filter((a) => isAtLeast(a.severity, 'medium'));
      console.log(
        `${file}: ${transcript.split('\n').length - 1} lines, ${errors.length} unreadable, ${loud.length} medium+ alerts`,
      );
      for (const alert of loud) console.log(`  ${alert.severity} ${alert.rule}: ${alert.summary}`);
    } catch (error) {
      failed++;
      console.error(`skip ${session.name}: ${errorMessage(error)}`);
    }
  }
} finally {
  writeFileSync(labelsPath, `${JSON.stringify(labels, null, 2)}\n`);
  rmSync(prefix, { recursive: true, force: true });
}
process.exitCode = failed === 0 ? 0 : 1;
