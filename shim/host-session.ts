import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * The default session of `mcptap proxy`: the host process that started it. A desktop host starts
 * one proxy per configured server, so keying the session on the host (not on the proxy) puts a read
 * through one server and a send through another in the same conversation, as the detectors need.
 *
 * On Linux the host is the first ancestor that is not a launcher (`npx`, `npm exec`, a shell, an
 * `env`), identified by its pid and its start time (a reused pid is a new session). Elsewhere, the
 * parent pid and the hour the proxy started.
 */

/** What `/proc/<pid>/stat` says of a process. */
export interface ProcStat {
  pid: number;
  /** The executable's name, at most 15 characters (`/proc/<pid>/comm`). */
  comm: string;
  ppid: number;
  /** Clock ticks after boot. */
  startTime: string;
}

/** Parses `/proc/<pid>/stat`; the name is in parentheses and may itself hold spaces and `)`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // After the name: state(3) ppid(4) … starttime(22), counted from 1 over the whole line.
  const ppid = Number(rest[1]);
  const startTime = rest[19];
  const pid = Number(text.slice(0, open).trim());
  if (
    !Number.isInteger(pid) ||
    !Number.isInteger(ppid) ||
    startTime === undefined ||
    !/^\d+$/.test(startTime)
  )
    return undefined;
  return { pid, comm: text.slice(open + 1, close), ppid, startTime };
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'fish', 'ksh', 'env', 'timeout', 'nohup']);
const NODE_LAUNCHER_SCRIPTS = new Set([
  'npx',
  'npx-cli.js',
  'npm',
  'npm-cli.js',
  'pnpm',
  'yarn',
  'tsx',
  'cli.mjs',
]);

/**
 * A process that only starts another: a shell running `sh -c`, `env`, `npx`/`npm exec` (node running
 * npm's CLI, whose name it may set to `npm exec …`), or tsx's launcher. `argv` is the process's
 * command line, when it could be read.
 */
export function isLauncher(comm: string, argv: readonly string[] = []): boolean {
  if (SHELLS.has(comm) || /^(npm|npx|pnpm|yarn)\b/.test(comm)) return true;
  if (comm !== 'node' && comm !== 'nodejs') return false;
  const script = nodeScript(argv);
  if (script === undefined) return false;
  const name = basename(script);
  return NODE_LAUNCHER_SCRIPTS.has(name) && (name !== 'cli.mjs' || script.includes('/tsx/'));
}

const NODE_OPTIONS_WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/** The script a node command line runs: the first argument that is neither an option nor its value. */
function nodeScript(argv: readonly string[]): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (NODE_OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

export interface HostProcess {
  pid: number;
  /** Its name, for a readable session id (`claude`, `cursor`, `node`). */
  name: string;
  /** What makes it unique beside the pid: its start time, or the time bucket off Linux. */
  started: string;
}

export interface ProcReader {
  stat(pid: number): string | undefined;
  cmdline(pid: number): string | undefined;
}

const procfs: ProcReader = {
  stat: (pid) => readOrUndefined(`/proc/${pid}/stat`),
  cmdline: (pid) => readOrUndefined(`/proc/${pid}/cmdline`),
};

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Launchers stacked deeper than this are not a host's doing: stop walking. */
const MAX_LAUNCHERS = 8;
const FALLBACK_BUCKET_MS = 3_600_000;

/** The host process above `parentPid` (walking past launchers), or undefined without `/proc`. */
export function findHostProcess(parentPid: number, proc: ProcReader = procfs): HostProcess | undefined {
  let pid = parentPid;
  let found: ProcStat | undefined;
  for (let depth = 0; depth <= MAX_LAUNCHERS && pid > 1; depth++) {
    const text = proc.stat(pid);
    const stat = text === undefined ? undefined : parseProcStat(text);
    if (stat === undefined) break;
    found = stat;
    const argv = (proc.cmdline(pid) ?? '').split('\0').filter((arg) => arg !== '');
    if (!isLauncher(stat.comm, argv)) break;
    pid = stat.ppid;
  }
  return found === undefined ? undefined : { pid: found.pid, name: found.comm, started: found.startTime };
}

/** `<host name>-<16 hex>`: the same for every proxy of one host process, different for another. */
export function hostSessionId(hostId: string, host: HostProcess): string {
  const digest = createHash('sha256')
    .update(`${hostId}\u0000${host.pid}\u0000${host.started}`)
    .digest('hex')
    .slice(0, 16);
  const name =
    host.name
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'host';
  return `${name}-${digest}`;
}

/** The proxy's default session: its host process's, else (no `/proc`) its parent pid's this hour. */
export function defaultProxySession(
  hostId: string,
  parentPid: number = process.ppid,
  now: number = Date.now(),
  proc: ProcReader = procfs,
): string {
  const host = findHostProcess(parentPid, proc) ?? {
    pid: parentPid,
    name: 'host',
    started: `hour-${Math.floor(now / FALLBACK_BUCKET_MS)}`,
  };
  return hostSessionId(hostId, host);
}

/**
 * The session of a client that connected to the HTTP proxy from this machine: its host process's,
 * the same id a stdio proxy started by that host uses. Undefined when the process cannot be read.
 */
export function clientProcessSession(
  hostId: string,
  clientPid: number,
  proc: ProcReader = procfs,
): string | undefined {
  const host = findHostProcess(clientPid, proc);
  return host === undefined ? undefined : hostSessionId(hostId, host);
}
