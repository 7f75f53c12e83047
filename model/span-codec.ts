import { EMPTY_CONTENT, type CappedContent } from './capped-content.js';
import {
  EVENT_SCHEMA_VERSION,
  EventValidationError,
  isoTime,
  parseEvent,
  type McpEvent,
  type McpEventKind,
} from './events.js';

/**
 * One event is one span. The shim encodes events as spans (semantic-convention attributes where the
 * OpenTelemetry MCP/GenAI conventions have them, `mcptap.*` otherwise); the collector decodes them.
 * Both sides use this table, so the mapping is written once.
 */

export type SpanAttributeValue = string | number | boolean;
export type SpanAttributes = Record<string, SpanAttributeValue>;

/** A span independent of the OTel SDK or OTLP encoding. */
export interface CodecSpan {
  name: string;
  /** `client` for calls to an MCP server, `internal` for host-side events. */
  kind: 'client' | 'internal';
  startTimeMs: number;
  endTimeMs: number;
  attributes: SpanAttributes;
  /** Set when the span failed (tool error or JSON-RPC error). */
  error: boolean;
}

export const ATTR = {
  eventId: 'mcptap.event.id',
  eventKind: 'mcptap.event.kind',
  schemaVersion: 'mcptap.schema.version',
  sessionId: 'gen_ai.conversation.id',
  hostId: 'mcptap.host.id',
  turnId: 'mcptap.turn.id',
  serverName: 'mcptap.server.name',
  serverId: 'mcptap.server.id',
  serverVersion: 'mcptap.server.version',
  methodName: 'mcp.method.name',
  operationName: 'gen_ai.operation.name',
  toolName: 'gen_ai.tool.name',
  promptName: 'gen_ai.prompt.name',
  resourceUri: 'mcp.resource.uri',
  requestId: 'jsonrpc.request.id',
  errorType: 'error.type',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
} as const;

type FieldType = 'string' | 'int' | 'number' | 'bool' | 'content' | 'json';
type FieldSpec = readonly [field: string, attribute: string, type: FieldType];

const BASE_FIELDS: readonly FieldSpec[] = [
  ['event_id', ATTR.eventId, 'string'],
  ['host_id', ATTR.hostId, 'string'],
  ['session_id', ATTR.sessionId, 'string'],
  ['turn_id', ATTR.turnId, 'string'],
];

const SERVER_FIELDS: readonly FieldSpec[] = [
  ['server_name', ATTR.serverName, 'string'],
  ['server_id', ATTR.serverId, 'string'],
  ['server_version', ATTR.serverVersion, 'string'],
];

const KIND_FIELDS: Record<McpEventKind, readonly FieldSpec[]> = {
  tool_call: [
    ...SERVER_FIELDS,
    ['tool', ATTR.toolName, 'string'],
    ['request_id', ATTR.requestId, 'string'],
    ['arguments', ATTR.toolCallArguments, 'content'],
    ['result', ATTR.toolCallResult, 'content'],
    ['is_error', 'mcptap.tool.is_error', 'bool'],
    ['error_type', ATTR.errorType, 'string'],
    ['error_message', 'mcptap.error.message', 'string'],
    ['request_bytes', 'mcptap.request.bytes', 'int'],
    ['response_bytes', 'mcptap.response.bytes', 'int'],
    ['chain_index', 'mcptap.chain.index', 'int'],
  ],
  content_read: [
    ...SERVER_FIELDS,
    ['method', ATTR.methodName, 'string'],
    ['target', 'mcptap.content.target', 'string'],
    ['request_id', ATTR.requestId, 'string'],
    ['content', 'mcptap.content.text', 'content'],
    ['is_error', 'mcptap.tool.is_error', 'bool'],
    ['error_type', ATTR.errorType, 'string'],
  ],
  catalog: [
    ...SERVER_FIELDS,
    ['catalog_kind', 'mcptap.catalog.kind', 'string'],
    ['trigger', 'mcptap.catalog.trigger', 'string'],
    ['hash', 'mcptap.catalog.hash', 'string'],
    ['previous_hash', 'mcptap.catalog.previous_hash', 'string'],
    ['item_count', 'mcptap.catalog.item_count', 'int'],
    ['items', 'mcptap.catalog.items', 'content'],
    ['diff', 'mcptap.catalog.diff', 'json'],
    ['instructions', 'mcptap.server.instructions', 'string'],
  ],
  egress: [
    ...SERVER_FIELDS,
    ['tool', ATTR.toolName, 'string'],
    ['channel', 'mcptap.egress.channel', 'string'],
    ['dest_scheme', 'mcptap.egress.scheme', 'string'],
    ['dest_host', 'mcptap.egress.host', 'string'],
    ['dest_port', 'mcptap.egress.port', 'int'],
    ['dest_value', 'mcptap.egress.value', 'content'],
    ['location', 'mcptap.egress.location', 'string'],
    ['source_event_id', 'mcptap.egress.source_event_id', 'string'],
  ],
  turn: [
    ['phase', 'mcptap.turn.phase', 'string'],
    ['text', 'mcptap.turn.text', 'content'],
    ['inferred', 'mcptap.turn.inferred', 'bool'],
  ],
  assistant_output: [['text', 'mcptap.assistant.text', 'content']],
  prompt: [
    ['messages', 'mcptap.prompt.messages', 'content'],
    ['message_count', 'mcptap.prompt.message_count', 'int'],
    ['tool_count', 'mcptap.prompt.tool_count', 'int'],
  ],
};

const CONTENT_META = (field: string) => ({
  bytes: `mcptap.content.${field}.bytes`,
  sha256: `mcptap.content.${field}.sha256`,
  truncated: `mcptap.content.${field}.truncated`,
});

function spanName(event: McpEvent): string {
  switch (event.kind) {
    case 'tool_call':
      return `tools/call ${event.tool}`;
    case 'content_read':
      return event.method === 'prompts/get' ? `prompts/get ${event.target}` : 'resources/read';
    case 'catalog':
      return `${event.catalog_kind}/list`;
    default:
      return `mcptap.${event.kind}`;
  }
}

export function encodeEventAsSpan(event: McpEvent): CodecSpan {
  const record = event as unknown as Record<string, unknown>;
  const attributes: SpanAttributes = {
    [ATTR.eventKind]: event.kind,
    [ATTR.schemaVersion]: EVENT_SCHEMA_VERSION,
  };
  for (const [field, attribute, type] of [...BASE_FIELDS, ...KIND_FIELDS[event.kind]]) {
    const value = record[field];
    if (type === 'content') {
      const content = value as CappedContent;
      const meta = CONTENT_META(field);
      attributes[attribute] = content.text;
      attributes[meta.bytes] = content.bytes;
      attributes[meta.sha256] = content.sha256;
      attributes[meta.truncated] = content.truncated;
    } else if (type === 'json') {
      attributes[attribute] = JSON.stringify(value);
    } else if (value !== '' || type !== 'string') {
      attributes[attribute] = value as SpanAttributeValue;
    }
  }
  // Semantic-convention attributes that carry no extra information for us but that generic
  // OpenTelemetry back ends expect on MCP spans.
  if (event.kind === 'tool_call') {
    attributes[ATTR.methodName] = 'tools/call';
    attributes[ATTR.operationName] = 'execute_tool';
  } else if (event.kind === 'content_read') {
    attributes[event.method === 'prompts/get' ? ATTR.promptName : ATTR.resourceUri] = event.target;
  } else if (event.kind === 'catalog') {
    attributes[ATTR.methodName] = `${event.catalog_kind}/list`;
  }
  const startTimeMs = Date.parse(event.time);
  const durationMs = event.kind === 'tool_call' || event.kind === 'content_read' ? event.duration_ms : 0;
  const isClient = event.kind === 'tool_call' || event.kind === 'content_read' || event.kind === 'catalog';
  return {
    name: spanName(event),
    kind: isClient ? 'client' : 'internal',
    startTimeMs,
    endTimeMs: startTimeMs + durationMs,
    attributes,
    error: (event.kind === 'tool_call' || event.kind === 'content_read') && event.is_error,
  };
}

/** True when the span was emitted by mcptap (it carries our event kind attribute). */
export function isMcptapSpan(attributes: Readonly<Record<string, unknown>>): boolean {
  return typeof attributes[ATTR.eventKind] === 'string';
}

function readField(
  attributes: Readonly<Record<string, unknown>>,
  attribute: string,
  type: FieldType,
): unknown {
  const raw = attributes[attribute];
  switch (type) {
    case 'string':
      return raw === undefined ? '' : raw;
    case 'int':
    case 'number':
      return typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    case 'bool':
      return raw;
    case 'json':
      if (typeof raw !== 'string') return raw;
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    case 'content':
      return undefined;
  }
}

/**
 * Decodes an mcptap span into a validated event. The tenant is the authenticated one, never a
 * value from the span. Throws EventValidationError for a span that claims to be ours but is not
 * a valid event.
 */
export function decodeSpanAsEvent(
  span: Pick<CodecSpan, 'startTimeMs' | 'endTimeMs' | 'attributes'>,
  tenant: string,
): McpEvent {
  const attributes = span.attributes as Readonly<Record<string, unknown>>;
  const kind = attributes[ATTR.eventKind];
  if (typeof kind !== 'string' || !(kind in KIND_FIELDS)) {
    throw new EventValidationError(`unknown ${ATTR.eventKind}: ${String(kind).slice(0, 64)}`, [
      ATTR.eventKind,
    ]);
  }
  if (!Number.isFinite(span.startTimeMs) || span.startTimeMs <= 0) {
    throw new EventValidationError('span start time missing or invalid', ['startTimeUnixNano']);
  }
  const event: Record<string, unknown> = { kind, tenant, time: isoTime(span.startTimeMs) };
  for (const [field, attribute, type] of [...BASE_FIELDS, ...KIND_FIELDS[kind as McpEventKind]]) {
    if (type === 'content') {
      const meta = CONTENT_META(field);
      const text = attributes[attribute];
      event[field] =
        text === undefined && attributes[meta.sha256] === undefined
          ? EMPTY_CONTENT
          : {
              text: text ?? '',
              bytes: readField(attributes, meta.bytes, 'int'),
              sha256: attributes[meta.sha256],
              truncated: attributes[meta.truncated],
            };
    } else {
      event[field] = readField(attributes, attribute, type);
    }
  }
  if (kind === 'tool_call' || kind === 'content_read') {
    event.duration_ms = Math.max(0, span.endTimeMs - span.startTimeMs);
  }
  return parseEvent(event);
}
