import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MCPTAP_BIN = fileURLToPath(new URL('../bin/mcptap.js', import.meta.url));

/** A production command (`mcptap collector`, `sink`, `detectors`) run as a child process. */
export interface ChildService {
  name: string;
  logPath: string;
  process: ChildProcess;
  /** Sends SIGTERM and waits for a clean exit (SIGKILL after the grace period). */
  stop(graceMs?: number): Promise<number | null>;
}

export interface ChildServiceOptions {
  /** The mcptap command line to run (default bin/mcptap.js; the server image runs dist/cli/mcptap.js). */
  entry?: string;
  /** Add `env` to this process's environment (default), or give the child `env` alone. */
  inheritEnvironment?: boolean;
}

export function startChildService(
  command: string,
  env: Record<string, string>,
  logPath: string,
  { entry = MCPTAP_BIN, inheritEnvironment = true }: ChildServiceOptions = {},
): ChildService {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, [entry, command], {
    env: inheritEnvironment ? { ...process.env, ...env } : env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name: command,
    logPath,
    process: child,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const code = await exited;
        clearTimeout(timer);
        log.end();
        return code;
      }
      log.end();
      return child.exitCode;
    },
  };
}

/** Polls `check` until it holds; fails with the service's log path when the child dies or time runs out. */
export async function waitUntil(
  description: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; service?: ChildService },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.service && options.service.process.exitCode !== null) {
      throw new Error(
        `${options.service.name} exited (${options.service.process.exitCode}); see ${options.service.logPath}`,
      );
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${description}${options.service ? `; see ${options.service.logPath}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
