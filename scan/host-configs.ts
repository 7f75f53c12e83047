import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { errorMessage, isRecord } from '../model/index.js';

/**
 * MCP host configs: where each host keeps its server list, and the servers in one file. Paths of
 * every OS are tried under the home directory (a config copied from a Mac is found on Linux too).
 */

export type HostName = 'claude-desktop' | 'claude-code' | 'cursor' | 'windsurf' | 'vscode' | 'unknown';

export interface StdioServerEntry {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

export interface HttpServerEntry {
  transport: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
}

export type ServerLaunch = StdioServerEntry | HttpServerEntry;

export interface ConfiguredServer {
  /** The server's key in the config: the name the host gives it. */
  name: string;
  /** 1-based line of the server's entry in the config file (1 when not found). */
  line: number;
  launch: ServerLaunch | null;
  /** Why the entry cannot be started, when `launch` is null. */
  problem?: string;
}

export interface HostConfig {
  path: string;
  host: HostName;
  servers: ConfiguredServer[];
}

interface WellKnownPath {
  host: HostName;
  /** Relative to the home directory, or to the project directory when `project`. */
  path: string;
  project?: boolean;
}

const APP_SUPPORT = 'Library/Application Support';
const XDG = '.config';
const APPDATA = 'AppData/Roaming';

export const WELL_KNOWN_CONFIGS: readonly WellKnownPath[] = [
  ...[APP_SUPPORT, XDG, APPDATA].map((dir) => ({
    host: 'claude-desktop' as const,
    path: `${dir}/Claude/claude_desktop_config.json`,
  })),
  { host: 'claude-code', path: '.claude.json' },
  { host: 'cursor', path: '.cursor/mcp.json' },
  { host: 'windsurf', path: '.codeium/windsurf/mcp_config.json' },
  ...[APP_SUPPORT, XDG, APPDATA].flatMap((dir) => [
    { host: 'vscode' as const, path: `${dir}/Code/User/settings.json` },
    { host: 'vscode' as const, path: `${dir}/Code/User/mcp.json` },
  ]),
  { host: 'claude-code', path: '.mcp.json', project: true },
  { host: 'cursor', path: '.cursor/mcp.json', project: true },
  { host: 'vscode', path: '.vscode/mcp.json', project: true },
];

export class HostConfigError extends Error {
  readonly retriable = false;
}

/** The host configs that exist under `home` and the project directory, each path once. */
export function findHostConfigs(home: string, projectDir: string): { path: string; host: HostName }[] {
  const seen = new Set<string>();
  const found: { path: string; host: HostName }[] = [];
  for (const known of WELL_KNOWN_CONFIGS) {
    const path = resolve(known.project === true ? projectDir : home, known.path);
    if (seen.has(path) || !existsSync(path)) continue;
    seen.add(path);
    found.push({ path, host: known.host });
  }
  return found;
}

/** JSON with comments and trailing commas (VS Code's settings), made plain JSON, strings untouched. */
export function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const comment = text.slice(i, end < 0 ? text.length : end + 2);
      out += comment.replace(/[^\n]/g, ' ');
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

const StringRecord = z.record(z.string(), z.coerce.string());
const ServerEntrySchema = z.looseObject({
  type: z.string().optional(),
  command: z.string().optional(),
  args: z.array(z.coerce.string()).optional(),
  env: StringRecord.optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  serverUrl: z.string().optional(),
  headers: StringRecord.optional(),
});

/** The server maps a host file can hold: `mcpServers`, `servers`, `mcp.servers`, Claude Code's projects. */
function serverMaps(value: Record<string, unknown>): Record<string, unknown>[] {
  const maps: Record<string, unknown>[] = [];
  for (const key of ['mcpServers', 'servers']) if (isRecord(value[key])) maps.push(value[key]);
  if (isRecord(value.mcp) && isRecord(value.mcp.servers)) maps.push(value.mcp.servers);
  if (isRecord(value['mcp.servers'])) maps.push(value['mcp.servers']);
  if (isRecord(value.projects))
    for (const project of Object.values(value.projects))
      if (isRecord(project) && isRecord(project.mcpServers)) maps.push(project.mcpServers);
  return maps;
}

function lineOf(text: string, name: string): number {
  const at = text.search(new RegExp(`"${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`));
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

function launchOf(entry: unknown, configDir: string): { launch: ServerLaunch } | { problem: string } {
  const parsed = ServerEntrySchema.safeParse(entry);
  if (!parsed.success) return { problem: `not a server entry: ${parsed.error.issues[0]?.message ?? ''}` };
  const e = parsed.data;
  const url = e.url ?? e.serverUrl;
  if (e.command !== undefined) {
    return {
      launch: {
        transport: 'stdio',
        command: e.command,
        args: e.args ?? [],
        env: e.env ?? {},
        ...(e.cwd !== undefined ? { cwd: resolve(configDir, e.cwd) } : {}),
      },
    };
  }
  if (url !== undefined) {
    return { launch: { transport: e.type === 'sse' ? 'sse' : 'http', url, headers: e.headers ?? {} } };
  }
  return { problem: 'has neither "command" nor "url"' };
}

/** The servers named in one host config file. */
export function parseHostConfig(text: string, path: string, host: HostName = 'unknown'): HostConfig {
  let value: unknown;
  try {
    value = JSON.parse(stripJsonComments(text));
  } catch (error) {
    throw new HostConfigError(`${path} is not JSON: ${errorMessage(error)}`);
  }
  if (!isRecord(value)) throw new HostConfigError(`${path}: expected a JSON object`);
  const maps = serverMaps(value);
  if (maps.length === 0 && host !== 'vscode' && host !== 'claude-code')
    throw new HostConfigError(
      `${path}: no "mcpServers", "servers" or "mcp.servers" object — is this an MCP host config?`,
    );
  const servers: ConfiguredServer[] = [];
  const configDir = resolve(path, '..');
  for (const map of maps) {
    for (const [name, entry] of Object.entries(map)) {
      if (servers.some((s) => s.name === name)) continue;
      const launch = launchOf(entry, configDir);
      servers.push({
        name,
        line: lineOf(text, name),
        ...('launch' in launch ? { launch: launch.launch } : { launch: null, problem: launch.problem }),
      });
    }
  }
  return { path, host, servers };
}

export function readHostConfig(path: string, host: HostName = 'unknown'): HostConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new HostConfigError(`cannot read ${path}: ${errorMessage(error)}`);
  }
  return parseHostConfig(text, path, host);
}

/** Which host a config given by path belongs to, from its file name. */
export function hostOfPath(path: string): HostName {
  const known = WELL_KNOWN_CONFIGS.find((k) => path.endsWith(k.path));
  if (known !== undefined) return known.host;
  return path.endsWith(join('.vscode', 'mcp.json')) ? 'vscode' : 'unknown';
}
