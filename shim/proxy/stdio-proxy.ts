import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { McpHostTelemetry } from '../host-telemetry.js';
import { LineSplitter } from './line-splitter.js';

export interface StdioProxyOptions {
  command: string;
  args: readonly string[];
  /** The name the host gave the server. */
  server: string;
  session: string;
  telemetry: McpHostTelemetry;
  /** The host side; the process's own stdio by default. */
  input?: Readable;
  output?: Writable;
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs a stdio MCP server between the host and the shim: the host's bytes go to the server and the
 * server's bytes to the host exactly as they are (stderr is the server's own); copies are split
 * into lines and observed. Resolves with the server's exit code.
 */
export function runStdioProxy(options: StdioProxyOptions): Promise<number> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const { telemetry, server, session } = options;
  const observer = (dir: 'c2s' | 's2c') =>
    new LineSplitter(
      (line) => telemetry.wireText(session, server, dir, line),
      () => telemetry.metrics.errorsByStage.oversized_line.inc(),
    );
  const toServer = observer('c2s');
  const toHost = observer('s2c');
  const child = spawn(options.command, [...options.args], { stdio: ['pipe', 'pipe', 'inherit'] });

  return new Promise((resolve) => {
    const forwardSignal = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forwardSignal);

    input.pipe(child.stdin);
    input.on('data', (chunk: Buffer) => toServer.push(chunk));
    child.stdout.pipe(output, { end: false });
    child.stdout.on('data', (chunk: Buffer) => toHost.push(chunk));
    // The host closing its end while the server exits on its own is normal, not a proxy failure.
    child.stdin.on('error', () => undefined);

    const finish = (code: number) => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forwardSignal);
      input.unpipe(child.stdin);
      resolve(code);
    };
    child.on('error', (error) => {
      process.stderr.write(`mcptap proxy: cannot start '${options.command}': ${error.message}\n`);
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal === null ? 1 : 128 + signalNumber(signal))));
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 1;
}
