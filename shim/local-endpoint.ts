import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ShimConfig } from './shim-config.js';
import { errorMessage } from '../model/index.js';

/**
 * Where `mcptap local` keeps its data and how a host finds it without configuration: the data
 * directory holds an API key (created by whichever of the proxy or `mcptap local` comes first,
 * readable by the user only) and, while `mcptap local` runs, `local.json` naming its endpoint. Kept
 * in the shim so that the proxy needs nothing of the embedded engine to find it.
 *
 * The directory is 0700 and its files 0600 whether or not they existed before: a directory made by
 * hand, by another tool or by an older mcptap may be open to others, and it holds the key and the
 * store of everything the tools saw.
 */

export const LOCAL_TENANT = 'local';
/** The standard OTLP/HTTP port on loopback: `mcptap local` listens here unless told otherwise. */
export const LOCAL_DEFAULT_LISTEN = '127.0.0.1:4318';

const API_KEY_FILE = 'api-key';
const ENDPOINT_FILE = 'local.json';

type Env = Readonly<Record<string, string | undefined>>;

/** `$MCPTAP_DATA_DIR`, else `$XDG_DATA_HOME/mcptap`, else `~/.local/share/mcptap`. */
export function defaultDataDir(env: Env = process.env): string {
  if (env.MCPTAP_DATA_DIR) return env.MCPTAP_DATA_DIR;
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'mcptap');
  return join(homedir(), '.local', 'share', 'mcptap');
}

/** Takes away group and other access to `path` (a file or directory this user owns). */
export function restrictToOwner(path: string): void {
  const { mode } = statSync(path);
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(path, mode & 0o700);
  } catch (error) {
    throw new Error(
      `${path} is open to other users (mode ${(mode & 0o777).toString(8)}) and mcptap cannot make it private: ` +
        `${errorMessage(error)}. Run \`chmod go= ${path}\` as its owner, or use another data directory ` +
        '(--data DIR or MCPTAP_DATA_DIR).',
      { cause: error },
    );
  }
}

/** Creates the data directory (0700), or makes an existing one private. */
export function ensurePrivateDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  restrictToOwner(dataDir);
}

/** The data directory's API key, created on first use (mode 0600; the directory 0700). */
export function localApiKey(dataDir: string): string {
  const path = join(dataDir, API_KEY_FILE);
  try {
    const key = readFileSync(path, 'utf8').trim();
    ensurePrivateDataDir(dataDir);
    restrictToOwner(path);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  ensurePrivateDataDir(dataDir);
  try {
    writeFileSync(path, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it between our read and write: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(path, 'utf8').trim();
}

/** What a running `mcptap local` publishes in its data directory. */
export interface LocalEndpointFile {
  pid: number;
  /** OTLP/HTTP base URL. */
  url: string;
  /** Base URL of its status and query API (same API key). */
  controlUrl: string;
  startedAt: string;
}

export function readLocalEndpoint(dataDir: string): LocalEndpointFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, ENDPOINT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<LocalEndpointFile>;
    if (
      typeof value.pid !== 'number' ||
      typeof value.url !== 'string' ||
      typeof value.controlUrl !== 'string'
    )
      return undefined;
    return {
      pid: value.pid,
      url: value.url,
      controlUrl: value.controlUrl,
      startedAt: String(value.startedAt ?? ''),
    };
  } catch {
    return undefined;
  }
}

export function writeLocalEndpoint(dataDir: string, endpoint: LocalEndpointFile): void {
  const path = join(dataDir, ENDPOINT_FILE);
  // `mode` applies only to a new file: one left by an earlier run keeps its mode unless changed.
  writeFileSync(path, JSON.stringify(endpoint, null, 2) + '\n', { mode: 0o600 });
  restrictToOwner(path);
}

export function localEndpointPath(dataDir: string): string {
  return join(dataDir, ENDPOINT_FILE);
}

/**
 * Where a host with no collector configured sends: the running `mcptap local`'s endpoint, or the
 * default one (so that a `mcptap local` started later receives what the host queued meanwhile).
 */
export function localCollector(dataDir: string): { url: string; apiKey: string } {
  const running = readLocalEndpoint(dataDir);
  return {
    url: running?.url ?? `http://${LOCAL_DEFAULT_LISTEN}`,
    apiKey: localApiKey(dataDir),
  };
}

/**
 * Where the shim sends: the collector given (`--collector`, or `startMcptap`'s endpoint), else the
 * one configured by MCPTAP_COLLECTOR_URL / MCPTAP_API_KEY, else `mcptap local` (zero config).
 */
export function collectorTarget(config: ShimConfig, explicitUrl?: string): { url: string; apiKey: string } {
  return explicitUrl !== undefined || config.collectorConfigured
    ? { url: explicitUrl ?? config.collectorUrl, apiKey: config.apiKey }
    : localCollector(config.dataDir);
}
