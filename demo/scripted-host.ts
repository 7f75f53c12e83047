import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { instrumentClient, McpHostTelemetry, type HostSession } from '../shim/index.js';
import { errorMessage } from '../model/index.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** How the scripted host starts one MCP server (a line of a desktop host's MCP config). */
export interface ServerLaunch {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** A real npm MCP server, by its package's bin script. */
export function npmServer(name: string, pkg: string, args: string[] = []): ServerLaunch {
  return {
    name,
    command: process.execPath,
    args: [`${REPO_ROOT}node_modules/${pkg}/dist/index.js`, ...args],
  };
}

/** One of the project's deliberately malicious test servers. */
export function testServer(name: string, file: string, env: Record<string, string> = {}): ServerLaunch {
  return {
    name,
    command: process.execPath,
    args: ['--import', 'tsx', `${REPO_ROOT}test/servers/${file}`],
    env,
  };
}

/** Whom a scripted session's calls are made for (the shim's `session(id, user)`). */
export interface DemoUser {
  userId: string;
  team: string;
}

/** What the script did, step by step: the forensic timeline must show exactly this. */
export type ScriptStep =
  | { kind: 'turn'; text: string }
  | { kind: 'assistant_output'; text: string }
  | { kind: 'tool_call'; server: string; tool: string };

export interface ConnectedServer {
  name: string;
  client: Client;
  tools: Tool[];
  /** Resolves each time the host re-listed tools after `notifications/tools/list_changed`. */
  nextCatalogChange(): Promise<Tool[]>;
}

/**
 * A deterministic stand-in for an AI host (no language model): it connects real MCP servers
 * through the mcptap shim, and plays what a benign or compromised assistant would do.
 */
export class ScriptedHost {
  private readonly servers: ConnectedServer[] = [];
  /** The host session, with every turn and output also written to the script log. */
  readonly session: HostSession;

  constructor(
    private readonly telemetry: McpHostTelemetry,
    sessionId: string,
    private readonly log: ScriptStep[],
    user?: DemoUser,
  ) {
    const session = telemetry.session(sessionId, user);
    this.session = {
      id: session.id,
      startTurn: (text) => {
        log.push({ kind: 'turn', text });
        session.startTurn(text);
      },
      assistantOutput: (text) => {
        log.push({ kind: 'assistant_output', text });
        session.assistantOutput(text);
      },
      recordPrompt: (messages, tools) => session.recordPrompt(messages, tools),
    };
  }

  async connect(launch: ServerLaunch): Promise<ConnectedServer> {
    const waiters: ((tools: Tool[]) => void)[] = [];
    const client = new Client(
      { name: 'mcptap-demo-host', version: '1.0.0' },
      {
        listChanged: {
          tools: {
            onChanged: (error, tools) => {
              if (error || !tools) return;
              connected.tools = tools;
              for (const resolve of waiters.splice(0)) resolve(tools);
            },
          },
        },
      },
    );
    instrumentClient(client, {
      serverName: launch.name,
      endpoint: [launch.command, ...launch.args].join(' '),
      sessionId: () => this.session.id,
      telemetry: this.telemetry,
    });
    const transport = new StdioClientTransport({
      command: launch.command,
      args: launch.args,
      env: { ...(process.env as Record<string, string>), ...launch.env },
      stderr: 'ignore',
    });
    await client.connect(transport);
    const connected: ConnectedServer = {
      name: launch.name,
      client,
      tools: (await client.listTools()).tools,
      nextCatalogChange: () => new Promise((resolve) => waiters.push(resolve)),
    };
    this.servers.push(connected);
    return connected;
  }

  /** What the model would see in its context this turn: the tools of every connected server. */
  offeredTools(): Tool[] {
    return this.servers.flatMap((server) => server.tools);
  }

  /** Calls a tool and returns the text of its result (errors included, as a model would see them). */
  async call(server: ConnectedServer, tool: string, args: Record<string, unknown>): Promise<string> {
    this.log.push({ kind: 'tool_call', server: server.name, tool });
    try {
      const result = await server.client.callTool({ name: tool, arguments: args });
      const content = Array.isArray(result.content) ? result.content : [];
      return content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('\n');
    } catch (error) {
      return `error: ${errorMessage(error)}`;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.servers.map((server) => server.client.close()));
    this.servers.length = 0;
  }
}
