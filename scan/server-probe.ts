import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';
import { maskSecrets } from '../secrets/index.js';
import type { ServerLaunch } from './host-configs.js';
import { errorMessage } from '../model/index.js';

/** What a server shows the model, as listed when the scan started it. */
export interface ServerCatalog {
  version: string;
  instructions: string;
  tools: Record<string, unknown>[];
  prompts: Record<string, unknown>[];
  /** Resources and resource templates (a template has `uriTemplate` instead of `uri`). */
  resources: Record<string, unknown>[];
}

export type ProbeResult = { ok: true; catalog: ServerCatalog } | { ok: false; error: string; stderr: string };

const STDERR_TAIL_CHARS = 2000;

function message(error: unknown): string {
  return errorMessage(error);
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every page of a paginated list. */
async function allPages<T>(
  list: (cursor: string | undefined) => Promise<{ nextCursor?: string } & Record<string, unknown>>,
  key: string,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await list(cursor);
    const got = result[key];
    if (Array.isArray(got)) items.push(...(got as T[]));
    cursor = result.nextCursor;
    if (cursor === undefined) break;
  }
  return items;
}

/**
 * A list result as the server sent it: the SDK's own schemas drop keys they do not know, and an
 * unexpected key in a tool is exactly what the lint looks for.
 */
const RawListResult = z.looseObject({ nextCursor: z.string().optional() });

function lister(client: Client, method: string) {
  return (cursor: string | undefined) =>
    client.request({ method, params: cursor !== undefined ? { cursor } : {} }, RawListResult);
}

async function listCatalog(client: Client): Promise<ServerCatalog> {
  const caps = client.getServerCapabilities() ?? {};
  type Item = Record<string, unknown>;
  const tools = caps.tools !== undefined ? await allPages<Item>(lister(client, 'tools/list'), 'tools') : [];
  const prompts =
    caps.prompts !== undefined ? await allPages<Item>(lister(client, 'prompts/list'), 'prompts') : [];
  const resources =
    caps.resources !== undefined
      ? [
          ...(await allPages<Item>(lister(client, 'resources/list'), 'resources')),
          ...(await allPages<Item>(lister(client, 'resources/templates/list'), 'resourceTemplates')),
        ]
      : [];
  return {
    version: client.getServerVersion()?.version ?? '',
    instructions: client.getInstructions() ?? '',
    tools,
    prompts,
    resources,
  };
}

async function connectAndList(transport: Transport, timeoutMs: number, what: string): Promise<ServerCatalog> {
  const client = new Client({ name: 'mcptap-scan', version: '1' });
  try {
    return await withTimeout(
      (async () => {
        await client.connect(transport);
        return listCatalog(client);
      })(),
      timeoutMs,
      what,
    );
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Starts one server as its host would (stdio: command, args, env, cwd; HTTP: Streamable HTTP, then
 * SSE), lists what it offers and stops it. A failure is a result, with the server's stderr tail.
 */
export async function probeServer(launch: ServerLaunch, timeoutMs: number): Promise<ProbeResult> {
  if (launch.transport === 'stdio') {
    const transport = new StdioClientTransport({
      command: launch.command,
      args: launch.args,
      env: { ...getDefaultEnvironment(), ...launch.env },
      ...(launch.cwd !== undefined ? { cwd: launch.cwd } : {}),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS * 2);
    });
    try {
      return { ok: true, catalog: await connectAndList(transport, timeoutMs, `'${launch.command}'`) };
    } catch (error) {
      return {
        ok: false,
        error: maskSecrets(message(error)),
        stderr: maskSecrets(stderr.slice(-STDERR_TAIL_CHARS)),
      };
    }
  }
  let url: URL;
  try {
    url = new URL(launch.url);
  } catch {
    return { ok: false, error: `not a URL: ${maskSecrets(launch.url)}`, stderr: '' };
  }
  const requestInit = { headers: launch.headers };
  const tries: (() => Transport)[] =
    launch.transport === 'sse'
      ? [() => new SSEClientTransport(url, { requestInit })]
      : [
          () => new StreamableHTTPClientTransport(url, { requestInit }),
          () => new SSEClientTransport(url, { requestInit }),
        ];
  const errors: string[] = [];
  for (const make of tries) {
    try {
      return { ok: true, catalog: await connectAndList(make(), timeoutMs, url.origin) };
    } catch (error) {
      errors.push(message(error));
    }
  }
  return { ok: false, error: maskSecrets(errors.join('; then over SSE: ')), stderr: '' };
}
