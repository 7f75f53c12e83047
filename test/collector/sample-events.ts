// Hand-built events of every kind, as a host's shim would emit them; shared by the collector's
// tests and its benchmark.
import { randomUUID } from 'node:crypto';
import { capContent, serverId, type McpEvent } from '../../model/index.js';

export interface SampleOptions {
  /** What the payload claims; the collector must replace it with the API key's tenant. */
  tenant?: string;
  sessionId?: string;
  /** Event time in ms since the epoch. */
  timeMs?: number;
}

/** One event of each kind, with fresh event ids. */
export function sampleEvents(options: SampleOptions = {}): McpEvent[] {
  const time = new Date(options.timeMs ?? Date.UTC(2026, 10, 24, 10, 0, 0, 120)).toISOString();
  const base = {
    time,
    tenant: options.tenant ?? 'payload-claims-this-tenant',
    host_id: 'laptop-7',
    session_id: options.sessionId ?? `s-${randomUUID()}`,
    turn_id: 't-1',
    user_id: 'alice@example.com',
    team: 'payments',
    user_source: 'option' as const,
  };
  const server = {
    server_name: 'files',
    server_id: serverId({
      name: 'files',
      endpoint: 'npx @modelcontextprotocol/server-filesystem /tmp',
      version: '1.2.0',
    }),
    server_version: '1.2.0',
  };
  const id = () => `e-${randomUUID()}`;
  return [
    {
      ...base,
      ...server,
      event_id: id(),
      kind: 'tool_call',
      tool: 'read_file',
      request_id: '7',
      arguments: capContent('{"path":"notes.txt"}', 1024),
      result: capContent('x'.repeat(5000), 1000),
      is_error: false,
      error_type: '',
      error_message: '',
      duration_ms: 60,
      request_bytes: 80,
      response_bytes: 5140,
      chain_index: 1,
    },
    {
      ...base,
      ...server,
      event_id: id(),
      kind: 'content_read',
      method: 'resources/read',
      target: 'file:///tmp/notes.txt',
      request_id: '8',
      content: capContent('remember to buy milk — ünïcödé', 4096),
      is_error: true,
      error_type: '-32002',
      duration_ms: 12,
    },
    {
      ...base,
      ...server,
      event_id: id(),
      kind: 'catalog',
      catalog_kind: 'tools',
      trigger: 'list_changed',
      hash: 'a'.repeat(64),
      previous_hash: 'b'.repeat(64),
      item_count: 1,
      items: capContent('[{"name":"read_file","description":"Read a file"}]', 4096),
      diff: { added: ['read_file'], removed: [], changed: [{ name: 'write_file', fields: ['description'] }] },
      instructions: 'Use read_file for text files.',
    },
    {
      ...base,
      ...server,
      event_id: id(),
      kind: 'egress',
      tool: 'fetch',
      channel: 'tool_argument',
      dest_scheme: 'https',
      dest_host: 'example.org',
      dest_port: 8443,
      dest_value: capContent('https://example.org:8443/upload', 2048),
      location: '$.url',
      source_event_id: 'e-source',
    },
    {
      ...base,
      event_id: id(),
      kind: 'turn',
      phase: 'start',
      text: capContent('what is in notes.txt?', 4096),
      inferred: false,
    },
    { ...base, event_id: id(), kind: 'assistant_output', text: capContent('It says: buy milk.', 4096) },
    {
      ...base,
      event_id: id(),
      kind: 'prompt',
      messages: capContent(JSON.stringify([{ role: 'user', content: 'what is in notes.txt?' }]), 65536),
      message_count: 1,
      tool_count: 3,
    },
  ];
}

/**
 * A tool call the size FACTS.md measured for MCP traffic: about 0.5 KB of arguments and 1.3 KB of
 * result, about 2.3 KB as an OTLP protobuf span.
 */
export function mcpSizedToolCall(sessionId: string, index: number, timeMs = Date.now()): McpEvent {
  const args = JSON.stringify({ path: `/home/dev/project/src/module-${index}.ts`, pad: 'a'.repeat(420) });
  const result = JSON.stringify({ content: [{ type: 'text', text: 'export const x = 1;\n'.repeat(62) }] });
  return {
    event_id: `e-${randomUUID()}`,
    time: new Date(timeMs).toISOString(),
    tenant: '',
    host_id: 'bench-host',
    session_id: sessionId,
    turn_id: 't-1',
    user_id: 'alice@example.com',
    team: 'payments',
    user_source: 'option' as const,
    server_name: 'files',
    server_id: 'f00dfeedf00dfeed',
    server_version: '1.2.0',
    kind: 'tool_call',
    tool: 'read_file',
    request_id: String(index),
    arguments: capContent(args, 65536),
    result: capContent(result, 65536),
    is_error: false,
    error_type: '',
    error_message: '',
    duration_ms: 3,
    request_bytes: args.length + 60,
    response_bytes: result.length + 60,
    chain_index: (index % 20) + 1,
  };
}
