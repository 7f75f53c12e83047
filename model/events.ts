import { z } from 'zod';
import { CappedContentSchema } from './capped-content.js';
import { compileCheck, type Check } from './compiled-check.js';

/**
 * The mcptap event model: every component (shim, collector, Kafka messages, detectors, ClickHouse
 * rows, replay) uses these types and validates untrusted input with these schemas.
 * Field names are snake_case because the same names are Kafka JSON keys and ClickHouse columns.
 */

export const EVENT_SCHEMA_VERSION = 1;

/** RFC 3339 UTC time with milliseconds, e.g. `2026-11-24T10:00:00.120Z`. */
export const IsoTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected RFC 3339 UTC time with milliseconds');

const Id = z.string().min(1).max(256);
const Name = z.string().max(1024);

/**
 * How an event's user was determined: a shim option (host-wide or for one session), `user.id` /
 * `enduser.id` the host set on its active span, a proxy flag, the proxy's environment, or the OS
 * user running the proxy; empty when unknown.
 */
export const UserSourceSchema = z.enum([
  '',
  'option',
  'session',
  'enduser_attribute',
  'proxy_flag',
  'env',
  'os_user',
]);
export type UserSource = z.infer<typeof UserSourceSchema>;

/** Who a tool call was made for, as the host asserts it (see EventBaseSchema.user_id). */
export interface UserIdentity {
  user_id: string;
  team: string;
  user_source: UserSource;
}

export const NO_USER: UserIdentity = { user_id: '', team: '', user_source: '' };

export const EventBaseSchema = z.object({
  /** Unique per event; retries of the same event carry the same id (consumers deduplicate by it). */
  event_id: Id,
  time: IsoTimeSchema,
  /** Set by the collector from the API key; never trusted from a payload. */
  tenant: Name,
  /** The installation (host process) that observed the event. */
  host_id: Name,
  /** The host's conversation (`gen_ai.conversation.id`), not the transport session. */
  session_id: Id,
  /** The user turn this event belongs to; empty when unknown. */
  turn_id: Name,
  /**
   * The user, agent or service principal the call was made for; empty when unknown. Asserted by the
   * host, never authenticated: the tenant (from the API key) is what bounds access.
   */
  user_id: Name,
  /** The user's team; empty when unknown. */
  team: Name,
  user_source: UserSourceSchema,
});

const ServerFields = {
  server_name: Name,
  server_id: Name,
  server_version: Name,
};

export const ToolCallEventSchema = EventBaseSchema.extend({
  kind: z.literal('tool_call'),
  ...ServerFields,
  tool: Name,
  request_id: Name,
  arguments: CappedContentSchema,
  result: CappedContentSchema,
  is_error: z.boolean(),
  /** JSON-RPC error code as a string, `tool_error` when the result had `isError`, else empty. */
  error_type: Name,
  error_message: z.string(),
  duration_ms: z.number().nonnegative(),
  request_bytes: z.number().int().nonnegative(),
  response_bytes: z.number().int().nonnegative(),
  /** 1-based position of this call among the tool calls of its turn. */
  chain_index: z.number().int().nonnegative(),
});

/** `resources/read` and `prompts/get`: content a server put into the model's context. */
export const ContentReadEventSchema = EventBaseSchema.extend({
  kind: z.literal('content_read'),
  ...ServerFields,
  method: z.enum(['resources/read', 'prompts/get']),
  /** The resource URI or the prompt name. */
  target: Name,
  request_id: Name,
  content: CappedContentSchema,
  is_error: z.boolean(),
  error_type: Name,
  duration_ms: z.number().nonnegative(),
});

export const CatalogKindSchema = z.enum(['tools', 'resources', 'prompts']);
export const CatalogTriggerSchema = z.enum(['initialize', 'list_changed', 'reconnect', 'request']);

export const CatalogDiffSchema = z.object({
  added: z.array(Name),
  removed: z.array(Name),
  changed: z.array(z.object({ name: Name, fields: z.array(Name) })),
});
export type CatalogDiff = z.infer<typeof CatalogDiffSchema>;

export const CatalogEventSchema = EventBaseSchema.extend({
  kind: z.literal('catalog'),
  ...ServerFields,
  catalog_kind: CatalogKindSchema,
  trigger: CatalogTriggerSchema,
  /** Canonical SHA-256 of the items (stable under key order and whitespace). */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  previous_hash: z.string(),
  item_count: z.number().int().nonnegative(),
  /** Canonical JSON array of the catalog items (tools, resources or prompts) as listed. */
  items: CappedContentSchema,
  diff: CatalogDiffSchema,
  /** `instructions` from the server's initialize result, which also reaches the model. */
  instructions: z.string(),
});

export const EgressChannelSchema = z.enum([
  'tool_argument',
  'assistant_image',
  'assistant_link',
  'assistant_url',
]);
export type EgressChannel = z.infer<typeof EgressChannelSchema>;

export const EgressEventSchema = EventBaseSchema.extend({
  kind: z.literal('egress'),
  /** Empty for egress found in assistant output. */
  ...ServerFields,
  tool: Name,
  channel: EgressChannelSchema,
  /** `https`, `http`, `mailto`, `file`, … or `host` for a bare host/IP argument. */
  dest_scheme: Name,
  dest_host: Name,
  /** 0 when no port is given. */
  dest_port: z.number().int().min(0).max(65535),
  /** The destination as written (URL, e-mail address, host), capped. */
  dest_value: CappedContentSchema,
  /** Where it was found: a JSON path into the arguments, or `text`. */
  location: Name,
  /** The tool call or assistant output event it was found in. */
  source_event_id: Name,
});

export const TurnEventSchema = EventBaseSchema.extend({
  kind: z.literal('turn'),
  phase: z.enum(['start', 'end']),
  /** The user's message for `start`; empty for `end`. */
  text: CappedContentSchema,
  /** True when the proxy inferred the boundary from an idle gap. */
  inferred: z.boolean(),
});

export const AssistantOutputEventSchema = EventBaseSchema.extend({
  kind: z.literal('assistant_output'),
  text: CappedContentSchema,
});

export const PromptEventSchema = EventBaseSchema.extend({
  kind: z.literal('prompt'),
  /** JSON of the full context of the turn: messages, tool descriptions exposed, tool results. */
  messages: CappedContentSchema,
  message_count: z.number().int().nonnegative(),
  tool_count: z.number().int().nonnegative(),
});

export const McpEventSchema = z.discriminatedUnion('kind', [
  ToolCallEventSchema,
  ContentReadEventSchema,
  CatalogEventSchema,
  EgressEventSchema,
  TurnEventSchema,
  AssistantOutputEventSchema,
  PromptEventSchema,
]);

export type ToolCallEvent = z.infer<typeof ToolCallEventSchema>;
export type ContentReadEvent = z.infer<typeof ContentReadEventSchema>;
export type CatalogEvent = z.infer<typeof CatalogEventSchema>;
export type EgressEvent = z.infer<typeof EgressEventSchema>;
export type TurnEvent = z.infer<typeof TurnEventSchema>;
export type AssistantOutputEvent = z.infer<typeof AssistantOutputEventSchema>;
export type PromptEvent = z.infer<typeof PromptEventSchema>;
export type McpEvent = z.infer<typeof McpEventSchema>;
export type McpEventKind = McpEvent['kind'];
export type CatalogKind = z.infer<typeof CatalogKindSchema>;
export type CatalogTrigger = z.infer<typeof CatalogTriggerSchema>;

export const EVENT_KINDS: readonly McpEventKind[] = [
  'tool_call',
  'content_read',
  'catalog',
  'egress',
  'turn',
  'assistant_output',
  'prompt',
];

export class EventValidationError extends Error {
  readonly retriable = false;
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

const EVENT_CHECKS = new Map<unknown, Check>(
  McpEventSchema.options.map((option) => [option.shape.kind.value, compileCheck(option)]),
);

/**
 * Validates an untrusted value as an event; throws EventValidationError listing every problem. A
 * valid event is returned as it is (not copied) when it has exactly the schema's keys.
 */
export function parseEvent(value: unknown): McpEvent {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (EVENT_CHECKS.get(kind)?.(value) === true) return value as McpEvent;
  const result = McpEventSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new EventValidationError(`invalid mcptap event: ${issues.slice(0, 5).join('; ')}`, issues);
}

/** Time in milliseconds since the epoch, from an event's `time`. */
export function eventTimeMs(event: Pick<McpEvent, 'time'>): number {
  return Date.parse(event.time);
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
