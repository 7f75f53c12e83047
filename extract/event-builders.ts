import {
  canonicalJson,
  capContent,
  EMPTY_CONTENT,
  isoTime,
  isRecord,
  type AssistantOutputEvent,
  type CatalogEvent,
  type ContentReadEvent,
  type EgressEvent,
  type PromptEvent,
  type ToolCallEvent,
  type TurnEvent,
  type UserIdentity,
} from '../model/index.js';
import type { CatalogChange, ServerIdentity } from './catalog-tracking.js';
import type { Destination } from './destination.js';
import { stringField, type JsonObject } from './json-fields.js';
import type { PendingRequest } from './pending-requests.js';
import { promptGetText, resourceReadText, toolResultText } from './result-text.js';

/**
 * The events of the model, built from what the extractor tracked. Pure: ids and times come in, and
 * each event's `time` is the one place the line's numeric ms becomes the model's RFC 3339 field.
 */

/** Byte caps for content kept in events (the full length and hash are always kept). */
export interface ContentCaps {
  arguments: number;
  result: number;
  /** `resources/read` and `prompts/get` content. */
  content: number;
  catalog: number;
  prompt: number;
  /** User turn and assistant output text. */
  text: number;
}

export const DEFAULT_CAPS: ContentCaps = {
  arguments: 16 * 1024,
  result: 16 * 1024,
  content: 16 * 1024,
  catalog: 256 * 1024,
  prompt: 1024 * 1024,
  text: 16 * 1024,
};

/** Who and when, from the transcript line an event came from (with the extractor's defaults). */
export interface LineContext {
  tenant: string;
  hostId: string;
  user: UserIdentity;
  ms: number;
}

/** Where an event stands: its line, session and turn (empty when none), and its own id. */
export interface EventPlace {
  ctx: LineContext;
  session: string;
  turnId: string;
  eventId: string;
}

function eventBase({ ctx, session, turnId, eventId }: EventPlace) {
  return {
    event_id: eventId,
    time: isoTime(ctx.ms),
    tenant: ctx.tenant,
    host_id: ctx.hostId,
    session_id: session,
    turn_id: turnId,
    user_id: ctx.user.user_id,
    team: ctx.user.team,
    user_source: ctx.user.user_source,
  };
}

function serverFields(server: ServerIdentity | null) {
  return {
    server_name: server?.name ?? '',
    server_id: server?.id ?? '',
    server_version: server?.version ?? '',
  };
}

/** A turn's start (with the user's text, empty when inferred) or its end. */
export function turnEvent(
  place: EventPlace,
  phase: TurnEvent['phase'],
  text: string,
  inferred: boolean,
  caps: ContentCaps,
): TurnEvent {
  return {
    ...eventBase(place),
    kind: 'turn',
    phase,
    text: phase === 'end' ? EMPTY_CONTENT : capContent(text, caps.text),
    inferred,
  };
}

export function assistantOutputEvent(
  place: EventPlace,
  text: string,
  caps: ContentCaps,
): AssistantOutputEvent {
  return { ...eventBase(place), kind: 'assistant_output', text: capContent(text, caps.text) };
}

export function promptEvent(
  place: EventPlace,
  messages: readonly unknown[],
  tools: readonly unknown[],
  caps: ContentCaps,
): PromptEvent {
  return {
    ...eventBase(place),
    kind: 'prompt',
    messages: capContent(JSON.stringify({ messages, tools }), caps.prompt),
    message_count: messages.length,
    tool_count: tools.length,
  };
}

/** A destination found in a call's arguments or in assistant output, pointing at the event it came from. */
export function egressEvent(
  place: EventPlace,
  source: { server: ServerIdentity | null; tool: string; eventId: string },
  destination: Destination,
  channel: EgressEvent['channel'],
  location: string,
  caps: ContentCaps,
): EgressEvent {
  return {
    ...eventBase(place),
    kind: 'egress',
    ...serverFields(source.server),
    tool: source.tool,
    channel,
    dest_scheme: destination.scheme,
    dest_host: destination.host,
    dest_port: destination.port,
    dest_value: capContent(destination.value, caps.arguments),
    location,
    source_event_id: source.eventId,
  };
}

/** A request's JSON-RPC response: its `result`, or its `error` as type and text. */
interface ResponseParts {
  result: unknown;
  error: JsonObject | null;
  errorType: string;
  errorText: string;
}

function responseParts(response: JsonObject): ResponseParts {
  const error = isRecord(response.error) ? response.error : null;
  if (error === null) return { result: response.result, error, errorType: '', errorText: '' };
  const data = error.data;
  const detail = data === undefined ? '' : ` ${typeof data === 'string' ? data : JSON.stringify(data)}`;
  return {
    result: response.result,
    error,
    errorType: String(error.code ?? 'error'),
    errorText: `${stringField(error.message)}${detail}`,
  };
}

/** What a request and its response (or its absence) say about one call or read. */
export interface Exchange {
  request: PendingRequest;
  response: JsonObject;
  responseBytes: number;
  /** When the response was seen. */
  ms: number;
}

/** From the request to its response; never negative, whatever the clocks said. */
function durationMs({ request, ms }: Exchange): number {
  return Math.max(0, ms - request.place.ctx.ms);
}

export function toolCallEvent(server: ServerIdentity, exchange: Exchange, caps: ContentCaps): ToolCallEvent {
  const { request, responseBytes } = exchange;
  const { result, error, errorType, errorText } = responseParts(exchange.response);
  const text = error === null ? toolResultText(result) : '';
  const toolError = error === null && isRecord(result) && result.isError === true;
  return {
    ...eventBase(request.place),
    kind: 'tool_call',
    ...serverFields(server),
    tool: stringField(request.params.name),
    request_id: request.requestId,
    arguments: capContent(JSON.stringify(request.params.arguments ?? {}), caps.arguments),
    result: capContent(text, caps.result),
    is_error: error !== null || toolError,
    error_type: toolError ? 'tool_error' : errorType,
    error_message: capContent(toolError ? text : errorText, caps.result).text,
    duration_ms: durationMs(exchange),
    request_bytes: request.requestBytes,
    response_bytes: responseBytes,
    chain_index: request.chainIndex,
  };
}

/** A `resources/read` or `prompts/get`. */
export function contentReadEvent(
  server: ServerIdentity,
  exchange: Exchange,
  caps: ContentCaps,
): ContentReadEvent {
  const { request } = exchange;
  const { result, error, errorType, errorText } = responseParts(exchange.response);
  const isPrompt = request.method === 'prompts/get';
  const text = error !== null ? errorText : isPrompt ? promptGetText(result) : resourceReadText(result);
  return {
    ...eventBase(request.place),
    kind: 'content_read',
    ...serverFields(server),
    method: isPrompt ? 'prompts/get' : 'resources/read',
    target: stringField(isPrompt ? request.params.name : request.params.uri),
    request_id: request.requestId,
    content: capContent(text, caps.content),
    is_error: error !== null,
    error_type: errorType,
    duration_ms: durationMs(exchange),
  };
}

/** A catalog as listed (all pages), at the place of the request that read it. */
export function catalogEvent(
  place: EventPlace,
  server: ServerIdentity,
  change: CatalogChange,
  caps: ContentCaps,
): CatalogEvent {
  return {
    ...eventBase(place),
    kind: 'catalog',
    ...serverFields(server),
    catalog_kind: change.kind,
    trigger: change.trigger,
    hash: change.hash,
    previous_hash: change.previousHash,
    item_count: change.items.length,
    items: capContent(canonicalJson(change.items), caps.catalog),
    diff: change.diff,
    instructions: change.instructions,
  };
}
