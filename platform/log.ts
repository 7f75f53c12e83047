/**
 * Structured logs: one JSON object per line on stderr. Callers pass facts (counts, ids, reasons),
 * never payload content or credentials.
 */

import type { EnvVarSpec } from './env-config.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVEL_ENV: EnvVarSpec = {
  name: 'MCPTAP_LOG_LEVEL',
  default: 'info',
  description: 'least severe log level written to stderr: debug, info, warn or error',
};
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  component: string,
  options: { level?: LogLevel; write?: (line: string) => void; fields?: Record<string, unknown> } = {},
): Logger {
  const threshold =
    LEVELS[options.level ?? (process.env[LOG_LEVEL_ENV.name] as LogLevel | undefined) ?? 'info'] ?? 20;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const bound = { component, ...options.fields };
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...bound, ...fields }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(component, { ...options, fields: { ...options.fields, ...fields } }),
  };
}

/** A logger that discards everything (tests, and libraries embedded in a host). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
