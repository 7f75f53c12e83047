// Shared by the embedded-mode tests: `mcptap local` as a real child process (the command a developer
// runs), hosts that reach it with no configuration (`mcptap proxy` wrapping real MCP servers), and
// reading its store back through the real read commands.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Alert } from '../../model/index.js';
import { MCPTAP_BIN, REPO_ROOT } from '../shim/support.js';
import { waitFor } from '../support/infra.js';

export { MCPTAP_BIN, REPO_ROOT };

/** The environment of a host that configured nothing: no collector URL, no API key. */
export function hostEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && name !== 'MCPTAP_COLLECTOR_URL' && name !== 'MCPTAP_API_KEY')
      env[name] = value;
  }
  return { ...env, MCPTAP_DATA_DIR: dataDir, ...extra };
}

export interface LocalProcess {
  child: ChildProcess;
  /** stdout lines: the alert lines. */
  stdout: string[];
  stderr: string[];
  /** Sends SIGTERM (or `signal`) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

function lines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    into.push(...parts);
  });
}

/** Starts `mcptap local` and resolves once it published its endpoint in the data directory. */
export async function startLocalProcess(
  dataDir: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<LocalProcess> {
  const child = spawn(process.execPath, [MCPTAP_BIN, 'local', '--data', dataDir, ...args], {
    cwd: REPO_ROOT,
    env: hostEnv(dataDir, { MCPTAP_LOCAL_STATUS_S: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  lines(child.stdout, stdout);
  lines(child.stderr, stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const started = await waitFor(
    () => {
      if (gone) return 'exited';
      try {
        const endpoint = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8')) as { pid: number };
        return endpoint.pid === child.pid ? 'running' : false;
      } catch {
        return false;
      }
    },
    { timeoutMs: 60_000, intervalMs: 100, description: 'mcptap local to start' },
  );
  if (started === 'exited') throw new Error(`mcptap local exited at start:\n${stderr.join('\n')}`);
  return {
    child,
    stdout,
    stderr,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (!gone) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a mcptap command to completion. */
export function mcptap(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MCPTAP_BIN, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function storedAlerts(dataDir: string, filter: string[] = []): Promise<Alert[]> {
  const { code, stdout, stderr } = await mcptap(
    ['alerts', '--data', dataDir, '--format', 'json', '--limit', '1000', ...filter],
    hostEnv(dataDir),
  );
  if (code !== 0) throw new Error(`mcptap alerts failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as Alert[];
}

export interface TimelineRow {
  table: string;
  time_ms: number;
  kind?: string;
  event_id?: string;
  [field: string]: unknown;
}

export async function storedSession(dataDir: string, session: string): Promise<TimelineRow[]> {
  const { code, stdout, stderr } = await mcptap(
    ['session', session, '--data', dataDir, '--format', 'json'],
    hostEnv(dataDir),
  );
  if (code !== 0) throw new Error(`mcptap session failed (${code}): ${stderr}`);
  return JSON.parse(stdout) as TimelineRow[];
}

/** A real MCP client talking to `server` through `mcptap proxy` with no collector configured. */
export async function proxiedClient(
  dataDir: string,
  name: string,
  session: string,
  server: StdioServerParameters,
  options: { record?: string; proxyArgs?: string[] } = {},
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      MCPTAP_BIN,
      'proxy',
      '--name',
      name,
      '--session',
      session,
      ...(options.record === undefined ? [] : ['--record', options.record]),
      ...(options.proxyArgs ?? []),
      '--',
      server.command,
      ...(server.args ?? []),
    ],
    cwd: REPO_ROOT,
    // Spans leave at once, so that the test need not wait for the default 5 s batch delay.
    env: hostEnv(dataDir, { OTEL_BSP_SCHEDULE_DELAY: '50', MCPTAP_TURN_IDLE_MS: '600000' }),
    stderr: 'ignore',
  });
  const client = new Client({ name: 'local-test-host', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

export const countBy = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
};

/** A server of a host's MCP config, as the host starts it. */
export interface ConfiguredServer {
  name: string;
  command: string;
  args: string[];
}

/**
 * The servers of the laptop config block in README.md, parsed out of it so that the tests and the
 * README cannot drift, and changed only where a test must: `mcptap` is this checkout's
 * `bin/mcptap.js`, `/home/me/work` is `workDir`, and `uvx mcp-server-fetch` (from PyPI, out of CI's
 * reach) is test/servers/web-fetch.ts, which offers the same `fetch` tool without the network.
 */
export function readmeLaptopServers(workDir: string): ConfiguredServer[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## For one developer'));
  const block = /```jsonc\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (block === undefined) throw new Error("README.md: no jsonc config block in 'For one developer'");
  const json = block
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  const { mcpServers } = JSON.parse(json) as {
    mcpServers: Record<string, { command: string; args: string[] }>;
  };
  return Object.entries(mcpServers).map(([name, { command, args }]) => {
    if (command !== 'mcptap') throw new Error(`README.md: server ${name} is not wrapped in mcptap`);
    const split = args.indexOf('--');
    const proxy = args.slice(0, split + 1);
    let server = args.slice(split + 1).map((arg) => (arg === '/home/me/work' ? workDir : arg));
    if (server.join(' ') === 'uvx mcp-server-fetch')
      server = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test', 'servers', 'web-fetch.ts')];
    return { name, command: process.execPath, args: [MCPTAP_BIN, ...proxy, ...server] };
  });
}
