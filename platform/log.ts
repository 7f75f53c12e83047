/**
 * Structured logs on stderr: one JSON object per line for services (for log shippers), or one
 * readable line (`12:03:04 WARN  local: … key=value`) for a person at a terminal. Callers pass facts
 * (counts, ids, reasons), never payload content or credentials. Durations (`*_ms` fields) are
 * rounded to what is worth reading.
 */

import { roundMs } from './duration-format.js';
import type { EnvVarSpec } from './env-config.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export const LOG_LEVEL_ENV: EnvVarSpec = {
  name: 'MCPTAP_LOG_LEVEL',
  default: 'info',
  description: 'least severe log level written to stderr: debug, info, warn or error',
};
export type LogFormat = 'json' | 'text';

export const LOG_FORMAT_ENV: EnvVarSpec = {
  name: 'MCPTAP_LOG_FORMAT',
  default: 'json',
  description:
    'how logs are written to stderr: json (one object per line) or text (one readable line); `mcptap local` defaults to text',
};
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The format asked for by MCPTAP_LOG_FORMAT, else `fallback`. */
export function logFormatFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  fallback: LogFormat = 'json',
): LogFormat {
  const value = env[LOG_FORMAT_ENV.name];
  return value === 'json' || value === 'text' ? value : fallback;
}

function roundedDurations(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    out[key] = typeof value === 'number' && key.endsWith('_ms') ? roundMs(value) : value;
  return out;
}

function textValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[^\s"=]+$/.test(text ?? '') ? (text ?? '') : JSON.stringify(text);
}

/** `12:03:04.512 WARN  local: message key=value key="two words"`. */
export function formatLogText(
  time: Date,
  level: LogLevel,
  component: string,
  message: string,
  fields: Record<string, unknown>,
): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${textValue(value)}`);
  return [
    `${time.toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${component}: ${message}`,
    ...pairs,
  ].join(' ');
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  component: string,
  options: {
    level?: LogLevel;
    format?: LogFormat;
    write?: (line: string) => void;
    fields?: Record<string, unknown>;
  } = {},
): Logger {
  const format = options.format ?? logFormatFromEnv();
  const threshold =
    LEVELS[options.level ?? (process.env[LOG_LEVEL_ENV.name] as LogLevel | undefined) ?? 'info'] ?? 20;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const all = roundedDurations({ ...options.fields, ...fields });
    const time = new Date();
    write(
      format === 'text'
        ? formatLogText(time, level, component, message, all)
        : JSON.stringify({ time: time.toISOString(), level, msg: message, component, ...all }),
    );
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
