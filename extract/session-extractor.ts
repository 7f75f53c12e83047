import { randomUUID } from 'node:crypto';
import {
  canonicalHash,
  canonicalJson,
  capContent,
  EMPTY_CONTENT,
  isoTime,
  isRecord,
  serverId,
  type CatalogEvent,
  type CatalogKind,
  type CatalogTrigger,
  type EgressEvent,
  type McpEvent,
  NO_USER,
  type UserIdentity,
} from '../model/index.js';
import { findArgumentDestinations } from './argument-destinations.js';
import { diffCatalogs } from './catalog-diff.js';
import type { Destination } from './destination.js';
import { findMarkdownDestinations } from './markdown-destinations.js';
import { promptGetText, resourceReadText, toolResultText } from './result-text.js';
import type { SharedTurns } from './shared-turns.js';
import { isWireLine, type HostLine, type TranscriptLine, type WireLine } from './transcript-line.js';

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

export const DEFAULT_IDLE_TURN_GAP_MS = 30_000;

export interface SessionExtractorOptions {
  /** Default tenant for events (the collector overrides it from the API key). */
  tenant: string;
  /** Default installation id; a line's `host_id` wins. */
  hostId: string;
  /** Default user the calls are made for; a line's `user_id` (with its team and source) wins. */
  user?: UserIdentity;
  /** The command line or URL that reaches a server, part of its identity. */
  endpointFor?: (server: string) => string;
  /** Without host lines, a gap this long between messages starts a new (inferred) turn. */
  idleTurnGapMs?: number;
  caps?: Partial<ContentCaps>;
  /** Event and turn ids; inject a deterministic one for tests and replay. */
  newId?: () => string;
  /** Requests awaiting a response; beyond it the oldest is reported as unanswered. */
  maxPending?: number;
  /** Sessions whose turn state is kept; beyond it the least recent one is closed. */
  maxSessions?: number;
  /**
   * Turns inferred together with the other extractors of the same sessions (a host's proxies, one
   * per server), on the sessions' shared clock; alone when absent or when it cannot be used.
   */
  sharedTurns?: SharedTurns;
}

type JsonObject = Record<string, unknown>;

interface LineContext {
  tenant: string;
  hostId: string;
  user: UserIdentity;
  ms: number;
}

interface Turn {
  id: string;
  inferred: boolean;
  chainLength: number;
  ctx: LineContext;
  /** This extractor reports the turn's start and end (another one started a shared turn). */
  reported: boolean;
}

interface SessionState {
  turn: Turn | null;
  lastActivityMs: number;
  /** Once the host has reported a user turn, turns are never inferred for this session. */
  hostDriven: boolean;
}

interface CatalogState {
  hash: string;
  items: unknown[];
}

interface ServerState {
  name: string;
  version: string;
  id: string;
  instructions: string;
  initialized: boolean;
  catalogs: Map<CatalogKind, CatalogState>;
  nextTrigger: Map<CatalogKind, CatalogTrigger>;
  /** Items of earlier pages while a paginated list is being read. */
  pages: Map<CatalogKind, unknown[]>;
}

interface PendingRequest {
  key: string;
  method: string;
  server: string;
  session: string;
  requestId: string;
  params: JsonObject;
  eventId: string;
  turnId: string;
  chainIndex: number;
  requestBytes: number;
  ctx: LineContext;
}

const LIST_METHODS: Readonly<Record<string, CatalogKind>> = {
  'tools/list': 'tools',
  'resources/list': 'resources',
  'prompts/list': 'prompts',
};
const LIST_CHANGED: Readonly<Record<string, CatalogKind>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/resources/list_changed': 'resources',
  'notifications/prompts/list_changed': 'prompts',
};
/** What the model does in a turn; connecting and listing are housekeeping and start no turn. */
const TURN_METHODS = new Set(['tools/call', 'resources/read', 'prompts/get']);
const TRACKED_METHODS = new Set([
  'initialize',
  'tools/call',
  'resources/read',
  'prompts/get',
  ...Object.keys(LIST_METHODS),
]);

/** Error types for requests that never got a JSON-RPC response. */
export const NO_RESPONSE_ERROR = 'no_response';
export const CANCELLED_ERROR = 'cancelled';

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

function lineUser(line: TranscriptLine): UserIdentity | undefined {
  if (line.user_id === undefined) return undefined;
  return { user_id: line.user_id, team: line.team ?? '', user_source: line.user_source ?? 'option' };
}

/**
 * Turns transcript lines — JSON-RPC messages as they crossed a transport, and what the host saw —
 * into mcptap events. The one extraction used by the library shim, the proxy and `mcptap replay`.
 * Lines of several sessions may be interleaved; servers are identified by the name the host gave
 * them. Pure: no I/O, time comes from the lines, ids from `newId`.
 */
export class SessionExtractor {
  private readonly caps: ContentCaps;
  private readonly idleTurnGapMs: number;
  private readonly newId: () => string;
  private readonly maxPending: number;
  private readonly maxSessions: number;
  private readonly sessions = new Map<string, SessionState>();
  private readonly servers = new Map<string, ServerState>();
  private readonly pending = new Map<string, PendingRequest>();

  constructor(private readonly options: SessionExtractorOptions) {
    this.caps = { ...DEFAULT_CAPS, ...options.caps };
    this.idleTurnGapMs = options.idleTurnGapMs ?? DEFAULT_IDLE_TURN_GAP_MS;
    this.newId = options.newId ?? randomUUID;
    this.maxPending = options.maxPending ?? 10_000;
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  /** The events one line produces, in order. */
  push(line: TranscriptLine): McpEvent[] {
    const out: McpEvent[] = [];
    const ctx: LineContext = {
      tenant: line.tenant ?? this.options.tenant,
      hostId: line.host_id ?? this.options.hostId,
      user: lineUser(line) ?? this.options.user ?? NO_USER,
      ms: Date.parse(line.ts),
    };
    if (isWireLine(line)) {
      for (const message of Array.isArray(line.msg) ? line.msg : [line.msg])
        this.wireMessage(line, message, ctx, out);
    } else {
      this.hostLine(line, ctx, out);
    }
    return out;
  }

  /** Ends the story: unanswered requests are reported as such and open turns end. */
  flush(): McpEvent[] {
    const out: McpEvent[] = [];
    for (const request of [...this.pending.values()])
      this.unanswered(request, NO_RESPONSE_ERROR, request.ctx, out);
    for (const [session, state] of this.sessions) this.endTurn(session, state, out);
    return out;
  }

  // ---- sessions and turns ----

  private session(id: string): SessionState {
    let state = this.sessions.get(id);
    if (state !== undefined) {
      // Re-insert so that the map's order is least-recently-used first.
      this.sessions.delete(id);
      this.sessions.set(id, state);
      return state;
    }
    state = { turn: null, lastActivityMs: 0, hostDriven: false };
    this.sessions.set(id, state);
    return state;
  }

  private evictSessions(out: McpEvent[]): void {
    while (this.sessions.size > this.maxSessions) {
      const [oldest, state] = this.sessions.entries().next().value as [string, SessionState];
      this.endTurn(oldest, state, out);
      this.sessions.delete(oldest);
    }
  }

  private startTurn(
    session: string,
    state: SessionState,
    ctx: LineContext,
    text: string,
    inferred: boolean,
    out: McpEvent[],
  ): void {
    this.endTurn(session, state, out);
    const turn: Turn = { id: this.newId(), inferred, chainLength: 0, ctx, reported: true };
    state.turn = turn;
    this.turnStarted(session, turn, text, out);
  }

  private turnStarted(session: string, turn: Turn, text: string, out: McpEvent[]): void {
    const { ctx, inferred } = turn;
    out.push({
      ...this.base(ctx, session, turn.id),
      kind: 'turn',
      phase: 'start',
      text: capContent(text, this.caps.text),
      inferred,
    });
  }

  private endTurn(session: string, state: SessionState, out: McpEvent[]): void {
    const turn = state.turn;
    if (turn === null) return;
    state.turn = null;
    if (!turn.reported) return;
    const sharedLast = this.options.sharedTurns?.lastActivity(session, turn.id) ?? 0;
    const ctx = { ...turn.ctx, ms: Math.max(turn.ctx.ms, state.lastActivityMs, sharedLast) };
    out.push({
      ...this.base(ctx, session, turn.id),
      kind: 'turn',
      phase: 'end',
      text: EMPTY_CONTENT,
      inferred: turn.inferred,
    });
  }

  // ---- host lines ----

  private hostLine(line: HostLine, ctx: LineContext, out: McpEvent[]): void {
    const state = this.session(line.session);
    if (line.host === 'user_turn') {
      state.hostDriven = true;
      this.startTurn(line.session, state, ctx, line.text ?? '', false, out);
    }
    state.lastActivityMs = ctx.ms;
    const turnId = state.turn?.id ?? '';
    if (line.host === 'assistant_output') {
      const text = line.text ?? '';
      const output = {
        ...this.base(ctx, line.session, turnId),
        kind: 'assistant_output' as const,
        text: capContent(text, this.caps.text),
      };
      out.push(output);
      for (const destination of findMarkdownDestinations(text)) {
        out.push(
          this.egress(
            ctx,
            line.session,
            turnId,
            null,
            '',
            destination,
            destination.channel,
            'text',
            output.event_id,
          ),
        );
      }
    } else if (line.host === 'prompt') {
      const messages = line.messages ?? [];
      const tools = line.tools ?? [];
      out.push({
        ...this.base(ctx, line.session, turnId),
        kind: 'prompt',
        messages: capContent(JSON.stringify({ messages, tools }), this.caps.prompt),
        message_count: messages.length,
        tool_count: tools.length,
      });
    }
    this.evictSessions(out);
  }

  // ---- wire lines ----

  private server(name: string): ServerState {
    let state = this.servers.get(name);
    if (state === undefined) {
      state = {
        name,
        version: '',
        id: serverId({ name, endpoint: this.endpoint(name) }),
        instructions: '',
        initialized: false,
        catalogs: new Map(),
        nextTrigger: new Map(),
        pages: new Map(),
      };
      this.servers.set(name, state);
    }
    return state;
  }

  private endpoint(server: string): string {
    return this.options.endpointFor?.(server) ?? '';
  }

  private wireMessage(line: WireLine, message: JsonObject, ctx: LineContext, out: McpEvent[]): void {
    const state = this.session(line.session);
    const method = typeof message.method === 'string' ? message.method : null;
    const hasId = typeof message.id === 'string' || typeof message.id === 'number';
    const turnRequest = line.dir === 'c2s' && method !== null && hasId && TURN_METHODS.has(method);
    if (!turnRequest && !state.hostDriven) this.options.sharedTurns?.advance(line.session, ctx.ms, 'message');
    if (line.dir === 'c2s' && method !== null && hasId) {
      const chainIndex = turnRequest
        ? this.inferTurn(line.session, state, ctx, method === 'tools/call', out)
        : undefined;
      if (TRACKED_METHODS.has(method)) this.request(line, message, method, state, ctx, out, chainIndex);
    } else if (line.dir === 'c2s' && method === 'notifications/cancelled' && isRecord(message.params)) {
      const request = this.pending.get(this.pendingKey(line, message.params.requestId));
      if (request !== undefined) this.unanswered(request, CANCELLED_ERROR, ctx, out);
    } else if (line.dir === 's2c' && method !== null && !hasId) {
      const kind = LIST_CHANGED[method];
      const server = this.server(line.server);
      // A change announced before the first list since initialize does not make that list a change.
      const pending = kind === undefined ? undefined : server.nextTrigger.get(kind);
      if (kind !== undefined && pending !== 'initialize' && pending !== 'reconnect')
        server.nextTrigger.set(kind, 'list_changed');
    } else if (line.dir === 's2c' && method === null && hasId) {
      const request = this.pending.get(this.pendingKey(line, message.id));
      if (request !== undefined) {
        this.pending.delete(request.key);
        this.response(request, message, ctx, out);
      }
    }
    state.lastActivityMs = ctx.ms;
    this.evictSessions(out);
  }

  /**
   * The turn a call or read belongs to when the host reports none: on the session's shared clock
   * when there is one (returning a call's place in the shared chain), else from this extractor's own
   * idle gaps.
   */
  private inferTurn(
    session: string,
    state: SessionState,
    ctx: LineContext,
    isCall: boolean,
    out: McpEvent[],
  ): number | undefined {
    if (state.hostDriven) return undefined;
    const shared = this.options.sharedTurns?.advance(session, ctx.ms, isCall ? 'call' : 'turn_request');
    if (shared === undefined) {
      if (state.turn === null || ctx.ms - state.lastActivityMs > this.idleTurnGapMs)
        this.startTurn(session, state, ctx, '', true, out);
      return undefined;
    }
    if (state.turn?.id !== shared.id) {
      this.endTurn(session, state, out);
      const turn: Turn = { id: shared.id, inferred: true, chainLength: 0, ctx, reported: shared.started };
      state.turn = turn;
      if (turn.reported) this.turnStarted(session, turn, '', out);
    }
    return isCall ? shared.chainIndex : undefined;
  }

  /** Request ids are unique within one session's connection to one server, not beyond. */
  private pendingKey(line: WireLine, id: unknown): string {
    return `${line.session}\u0000${line.server}\u0000${JSON.stringify(id)}`;
  }

  private request(
    line: WireLine,
    message: JsonObject,
    method: string,
    state: SessionState,
    ctx: LineContext,
    out: McpEvent[],
    sharedChainIndex: number | undefined,
  ): void {
    const turn = state.turn;
    const isCall = method === 'tools/call';
    if (isCall && turn !== null) turn.chainLength++;
    const key = this.pendingKey(line, message.id);
    const request: PendingRequest = {
      key,
      method,
      server: line.server,
      session: line.session,
      requestId: String(message.id),
      params: isRecord(message.params) ? message.params : {},
      eventId: this.newId(),
      turnId: turn?.id ?? '',
      chainIndex: isCall && turn !== null ? (sharedChainIndex ?? turn.chainLength) : 0,
      requestBytes: byteLength(message),
      ctx,
    };
    const replaced = this.pending.get(key);
    if (replaced !== undefined) this.unanswered(replaced, NO_RESPONSE_ERROR, ctx, out);
    this.pending.set(key, request);
    if (isCall) {
      const server = this.server(line.server);
      const tool = str(request.params.name);
      for (const destination of findArgumentDestinations(request.params.arguments ?? {})) {
        out.push(
          this.egress(
            ctx,
            line.session,
            request.turnId,
            server,
            tool,
            destination,
            'tool_argument',
            destination.location,
            request.eventId,
          ),
        );
      }
    }
    while (this.pending.size > this.maxPending) {
      const oldest = this.pending.values().next().value as PendingRequest;
      this.unanswered(oldest, NO_RESPONSE_ERROR, ctx, out);
    }
  }

  /** A request that will get no response (cancelled, replaced, evicted or left open at flush). */
  private unanswered(request: PendingRequest, errorType: string, ctx: LineContext, out: McpEvent[]): void {
    this.pending.delete(request.key);
    const message =
      errorType === CANCELLED_ERROR
        ? 'the client cancelled the request'
        : 'no response was seen for the request';
    this.response(request, { error: { code: errorType, message } }, ctx, out, 0);
  }

  private response(
    request: PendingRequest,
    message: JsonObject,
    ctx: LineContext,
    out: McpEvent[],
    responseBytes = byteLength(message),
  ): void {
    const server = this.server(request.server);
    const result = message.result;
    const error = isRecord(message.error) ? message.error : null;
    const durationMs = Math.max(0, ctx.ms - request.ctx.ms);
    if (request.method === 'initialize') {
      if (error === null && isRecord(result)) this.initialized(server, result);
      return;
    }
    const listKind = LIST_METHODS[request.method];
    if (listKind !== undefined) {
      if (error === null && isRecord(result)) this.catalog(request, server, listKind, result, out);
      return;
    }
    const errorText =
      error === null
        ? ''
        : `${str(error.message)}${error.data === undefined ? '' : ` ${typeof error.data === 'string' ? error.data : JSON.stringify(error.data)}`}`;
    const errorType = error === null ? '' : String(error.code ?? 'error');
    const serverFields = { server_name: server.name, server_id: server.id, server_version: server.version };
    if (request.method === 'tools/call') {
      const text = error === null ? toolResultText(result) : '';
      const toolError = error === null && isRecord(result) && result.isError === true;
      out.push({
        ...this.base(request.ctx, request.session, request.turnId, request.eventId),
        kind: 'tool_call',
        ...serverFields,
        tool: str(request.params.name),
        request_id: request.requestId,
        arguments: capContent(JSON.stringify(request.params.arguments ?? {}), this.caps.arguments),
        result: capContent(text, this.caps.result),
        is_error: error !== null || toolError,
        error_type: toolError ? 'tool_error' : errorType,
        error_message: capContent(toolError ? text : errorText, this.caps.result).text,
        duration_ms: durationMs,
        request_bytes: request.requestBytes,
        response_bytes: responseBytes,
        chain_index: request.chainIndex,
      });
      return;
    }
    const isPrompt = request.method === 'prompts/get';
    const text = error !== null ? errorText : isPrompt ? promptGetText(result) : resourceReadText(result);
    out.push({
      ...this.base(request.ctx, request.session, request.turnId, request.eventId),
      kind: 'content_read',
      ...serverFields,
      method: isPrompt ? 'prompts/get' : 'resources/read',
      target: str(isPrompt ? request.params.name : request.params.uri),
      request_id: request.requestId,
      content: capContent(text, this.caps.content),
      is_error: error !== null,
      error_type: errorType,
      duration_ms: durationMs,
    });
  }

  private initialized(server: ServerState, result: JsonObject): void {
    const info = isRecord(result.serverInfo) ? result.serverInfo : {};
    server.version = str(info.version);
    server.id = serverId({
      name: server.name,
      endpoint: this.endpoint(server.name),
      version: server.version,
    });
    server.instructions = str(result.instructions);
    const trigger: CatalogTrigger = server.initialized ? 'reconnect' : 'initialize';
    server.initialized = true;
    server.pages.clear();
    for (const kind of Object.values(LIST_METHODS)) server.nextTrigger.set(kind, trigger);
  }

  private catalog(
    request: PendingRequest,
    server: ServerState,
    kind: CatalogKind,
    result: JsonObject,
    out: McpEvent[],
  ): void {
    const page = Array.isArray(result[kind]) ? (result[kind] as unknown[]) : [];
    const items = [...(request.params.cursor === undefined ? [] : (server.pages.get(kind) ?? [])), ...page];
    if (typeof result.nextCursor === 'string' && result.nextCursor !== '') {
      server.pages.set(kind, items);
      return;
    }
    server.pages.delete(kind);
    const previous = server.catalogs.get(kind);
    const hash = canonicalHash(items);
    server.catalogs.set(kind, { hash, items });
    const trigger = server.nextTrigger.get(kind) ?? 'request';
    server.nextTrigger.delete(kind);
    const event: CatalogEvent = {
      ...this.base(request.ctx, request.session, request.turnId, request.eventId),
      kind: 'catalog',
      server_name: server.name,
      server_id: server.id,
      server_version: server.version,
      catalog_kind: kind,
      trigger,
      hash,
      previous_hash: previous?.hash ?? '',
      item_count: items.length,
      items: capContent(canonicalJson(items), this.caps.catalog),
      diff:
        previous === undefined
          ? { added: [], removed: [], changed: [] }
          : diffCatalogs(kind, previous.items, items),
      instructions: server.instructions,
    };
    out.push(event);
  }

  // ---- event building ----

  private base(ctx: LineContext, session: string, turnId: string, eventId = this.newId()) {
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

  private egress(
    ctx: LineContext,
    session: string,
    turnId: string,
    server: ServerState | null,
    tool: string,
    destination: Destination,
    channel: EgressEvent['channel'],
    location: string,
    sourceEventId: string,
  ): EgressEvent {
    return {
      ...this.base(ctx, session, turnId),
      kind: 'egress',
      server_name: server?.name ?? '',
      server_id: server?.id ?? '',
      server_version: server?.version ?? '',
      tool,
      channel,
      dest_scheme: destination.scheme,
      dest_host: destination.host,
      dest_port: destination.port,
      dest_value: capContent(destination.value, this.caps.arguments),
      location,
      source_event_id: sourceEventId,
    };
  }
}
