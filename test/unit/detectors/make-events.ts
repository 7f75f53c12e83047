// Minimal valid events for detector unit tests.
import {
  canonicalHash,
  canonicalJson,
  capContent,
  EMPTY_CONTENT,
  isoTime,
  parseEvent,
  type CatalogEvent,
  type EgressEvent,
  type McpEvent,
  type ToolCallEvent,
} from '../../../model/index.js';

let n = 0;
const T0 = Date.parse('2026-11-24T10:00:00.000Z');

export function base(ms: number, session = 's-1', tenant = 't-1', turn = 'turn-1') {
  n += 1;
  return {
    event_id: `e-${n}`,
    time: isoTime(T0 + ms),
    tenant,
    host_id: 'h-1',
    session_id: session,
    turn_id: turn,
    user_id: '',
    team: '',
    user_source: '' as const,
  };
}

export function toolCall(
  tool: string,
  args: unknown,
  result: string,
  opts: {
    ms?: number;
    server?: string;
    session?: string;
    turn?: string;
    tenant?: string;
    chain?: number;
  } = {},
): ToolCallEvent {
  return parseEvent({
    ...base(opts.ms ?? 0, opts.session, opts.tenant, opts.turn),
    kind: 'tool_call',
    server_name: opts.server ?? 'srv',
    server_id: 'sid',
    server_version: '1.0.0',
    tool,
    request_id: '1',
    arguments: capContent(JSON.stringify(args), 1 << 16),
    result: capContent(result, 1 << 16),
    is_error: false,
    error_type: '',
    error_message: '',
    duration_ms: 1,
    request_bytes: 1,
    response_bytes: 1,
    chain_index: opts.chain ?? 1,
  }) as ToolCallEvent;
}

export function catalog(
  server: string,
  tools: unknown[],
  opts: { ms?: number; version?: string; host?: string; tenant?: string } = {},
): CatalogEvent {
  return parseEvent({
    ...base(opts.ms ?? 0, 's-1', opts.tenant),
    host_id: opts.host ?? 'h-1',
    kind: 'catalog',
    server_name: server,
    server_id: `${server}-id`,
    server_version: opts.version ?? '1.0.0',
    catalog_kind: 'tools',
    trigger: 'initialize',
    hash: canonicalHash(tools),
    previous_hash: '',
    item_count: tools.length,
    items: capContent(canonicalJson(tools), 1 << 20),
    diff: { added: [], removed: [], changed: [] },
    instructions: '',
  }) as CatalogEvent;
}

export function egress(
  url: string,
  host: string,
  opts: {
    ms?: number;
    scheme?: string;
    channel?: EgressEvent['channel'];
    server?: string;
    tool?: string;
    session?: string;
    turn?: string;
    source?: string;
    location?: string;
  } = {},
): EgressEvent {
  return parseEvent({
    ...base(opts.ms ?? 0, opts.session, 't-1', opts.turn),
    kind: 'egress',
    server_name: opts.server ?? 'srv',
    server_id: 'sid',
    server_version: '1.0.0',
    tool: opts.tool ?? 'fetch',
    channel: opts.channel ?? 'tool_argument',
    dest_scheme: opts.scheme ?? 'https',
    dest_host: host,
    dest_port: 0,
    dest_value: capContent(url, 4096),
    location: opts.location ?? '$.url',
    source_event_id: opts.source ?? '',
  }) as EgressEvent;
}

export function turnStart(ms: number, turn: string, session = 's-1'): McpEvent {
  return parseEvent({
    ...base(ms, session, 't-1', turn),
    kind: 'turn',
    phase: 'start',
    text: EMPTY_CONTENT,
    inferred: false,
  });
}
