/**
 * Reading configuration from environment variables: each component declares its knobs in one
 * table (name, default, description) and reads them through these functions, so that a bad value
 * fails at start-up with a message naming the variable.
 */

export class ConfigError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface EnvVarSpec {
  name: string;
  default: string;
  description: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function envString(env: Env, spec: EnvVarSpec): string {
  const value = env[spec.name];
  return value === undefined || value === '' ? spec.default : value;
}

export function envInt(env: Env, spec: EnvVarSpec, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const text = envString(env, spec);
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${spec.name}=${JSON.stringify(text)}: expected an integer from ${min} to ${max} (${spec.description})`,
    );
  }
  return value;
}

export function envBool(env: Env, spec: EnvVarSpec): boolean {
  const text = envString(env, spec).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${spec.name}=${JSON.stringify(text)}: expected true or false (${spec.description})`);
}

export function envList(env: Env, spec: EnvVarSpec): string[] {
  return envString(env, spec)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `host:port` (`[::1]:4318` for IPv6); `source` names where the text came from, for the error. */
export function parseListen(text: string, source: string): ListenAddress {
  const match = /^(.*):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  const host = (match?.[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (match === null || host === '' || port > 65535) {
    throw new ConfigError(
      `${source}=${JSON.stringify(text)}: expected host:port, e.g. 127.0.0.1:4318 or 0.0.0.0:4318`,
    );
  }
  return { host, port };
}

/** A `host:port` variable that may be `off`: null when off. */
export function envListen(env: Env, spec: EnvVarSpec): ListenAddress | null {
  const text = envString(env, spec);
  return text === 'off' ? null : parseListen(text, spec.name);
}

/** Markdown table of a component's variables, for the README's configuration reference. */
export function envReference(specs: readonly EnvVarSpec[]): string {
  const rows = specs.map((s) => `| \`${s.name}\` | \`${s.default}\` | ${s.description} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
