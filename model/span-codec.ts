import { EMPTY_CONTENT, type CappedContent } from './capped-content.js';
import { compileCheck, type Check } from './compiled-check.js';
import type { z } from 'zod';
import {
  EVENT_KINDS,
  EVENT_SCHEMA_VERSION,
  EventValidationError,
  isoTime,
  McpEventSchema,
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
  /** Current semantic conventions; `enduser.id` is the older name, still read. */
  userId: 'user.id',
  enduserId: 'enduser.id',
  team: 'mcptap.user.team',
  userSource: 'mcptap.user.source',
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
/** `alias`: an older attribute name read when the current one is absent. */
type FieldSpec = readonly [field: string, attribute: string, type: FieldType, alias?: string];

const BASE_FIELDS: readonly FieldSpec[] = [
  ['event_id', ATTR.eventId, 'string'],
  ['host_id', ATTR.hostId, 'string'],
  ['session_id', ATTR.sessionId, 'string'],
  ['turn_id', ATTR.turnId, 'string'],
  ['user_id', ATTR.userId, 'string', ATTR.enduserId],
  ['team', ATTR.team, 'string'],
  ['user_source', ATTR.userSource, 'string'],
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

/** How a field of the decoded event is read from the span, and checked. */
type DecodeStep = { field: string } & (
  | { from: 'kind' | 'tenant' | 'time' | 'duration'; check: Check }
  | {
      from: 'attribute';
      check: Check;
      attribute: string;
      alias: string | undefined;
      type: Exclude<FieldType, 'content' | 'json'>;
    }
  | { from: 'content'; check: Check; attribute: string; meta: ReturnType<typeof CONTENT_META> }
  /** Parsed JSON may carry keys the schema strips: the schema parses it, and its output is kept. */
  | { from: 'json'; attribute: string; schema: z.ZodType }
);

/** Per kind, the event's fields in the order of its schema (the order JSON.stringify writes them). */
function decodePlan(kind: McpEventKind): readonly DecodeStep[] {
  const schema = McpEventSchema.options.find((option) => option.shape.kind.value === kind)!;
  const specs = new Map([...BASE_FIELDS, ...KIND_FIELDS[kind]].map((spec) => [spec[0], spec]));
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([field, fieldSchema]): DecodeStep => {
    if (field === 'kind' || field === 'tenant' || field === 'time')
      return { field, check: compileCheck(fieldSchema), from: field };
    if (field === 'duration_ms') return { field, check: compileCheck(fieldSchema), from: 'duration' };
    const spec = specs.get(field);
    if (spec === undefined) throw new Error(`span codec: no attribute for ${kind}.${field}`);
    const [, attribute, type, alias] = spec;
    if (type === 'json') return { field, from: 'json', attribute, schema: fieldSchema };
    const check = compileCheck(fieldSchema);
    if (type === 'content') return { field, check, from: 'content', attribute, meta: CONTENT_META(field) };
    return { field, check, from: 'attribute', attribute, alias, type };
  });
}

const DECODE_PLANS = new Map(EVENT_KINDS.map((kind) => [kind, decodePlan(kind)]));

/** The largest time a Date can hold; beyond it `toISOString` throws. */
const MAX_DATE_MS = 8.64e15;

function readContent(
  attributes: Readonly<Record<string, unknown>>,
  attribute: string,
  meta: ReturnType<typeof CONTENT_META>,
): unknown {
  const text = attributes[attribute];
  const sha256 = attributes[meta.sha256];
  if (text === undefined && sha256 === undefined) return { ...EMPTY_CONTENT };
  return {
    text: text ?? '',
    truncated: attributes[meta.truncated],
    bytes: readField(attributes, meta.bytes, 'int'),
    sha256,
  };
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
  const plan = DECODE_PLANS.get(kind as McpEventKind);
  if (plan === undefined) {
    throw new EventValidationError(`unknown ${ATTR.eventKind}: ${String(kind).slice(0, 64)}`, [
      ATTR.eventKind,
    ]);
  }
  if (!(span.startTimeMs > 0 && span.startTimeMs <= MAX_DATE_MS)) {
    throw new EventValidationError('span start time missing or invalid', ['startTimeUnixNano']);
  }
  const event: Record<string, unknown> = {};
  let valid = true;
  for (const step of plan) {
    let value: unknown;
    switch (step.from) {
      case 'kind':
        value = kind;
        break;
      case 'tenant':
        value = tenant;
        break;
      case 'time':
        value = isoTime(span.startTimeMs);
        break;
      case 'duration':
        value = Math.max(0, span.endTimeMs - span.startTimeMs);
        break;
      case 'attribute':
        value = readField(
          attributes,
          step.alias !== undefined && attributes[step.attribute] === undefined ? step.alias : step.attribute,
          step.type,
        );
        break;
      case 'content':
        value = readContent(attributes, step.attribute, step.meta);
        break;
      case 'json': {
        value = readField(attributes, step.attribute, 'json');
        const parsed = step.schema.safeParse(value);
        if (parsed.success) value = parsed.data;
        else valid = false;
        event[step.field] = value;
        continue;
      }
    }
    event[step.field] = value;
    if (valid && !step.check(value)) valid = false;
  }
  // Something is off: the schema itself decides, and lists every problem when it refuses.
  return valid ? (event as McpEvent) : parseEvent(event);
}
