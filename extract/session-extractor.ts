import { randomUUID } from 'node:crypto';
import { isRecord, type McpEvent, NO_USER, type UserIdentity } from '../model/index.js';
import { findArgumentDestinations } from './argument-destinations.js';
import { CatalogTracking, LIST_METHOD_NAMES, listedCatalogKind } from './catalog-tracking.js';
import {
  assistantOutputEvent,
  catalogEvent,
  contentReadEvent,
  DEFAULT_CAPS,
  egressEvent,
  promptEvent,
  toolCallEvent,
  type ContentCaps,
  type Exchange,
  type LineContext,
} from './event-builders.js';
import { jsonByteLength, stringField, type JsonObject } from './json-fields.js';
import { findMarkdownDestinations } from './markdown-destinations.js';
import {
  CANCELLED_ERROR,
  NO_RESPONSE_ERROR,
  PendingRequests,
  unansweredResponse,
  type PendingRequest,
  type UnansweredReason,
} from './pending-requests.js';
import type { SessionActivity, SharedTurns } from './shared-turns.js';
import { isWireLine, type HostLine, type TranscriptLine, type WireLine } from './transcript-line.js';
import { SessionTurns } from './turns.js';

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

/** What the model does in a turn; connecting and listing are housekeeping and start no turn. */
const TURN_METHODS = new Set(['tools/call', 'resources/read', 'prompts/get']);
/** Requests whose responses make events or change what is known of the server. */
const TRACKED_METHODS = new Set([...TURN_METHODS, 'initialize', ...LIST_METHOD_NAMES]);

/**
 * Turns transcript lines — JSON-RPC messages as they crossed a transport, and what the host saw —
 * into mcptap events. The one extraction used by the library shim, the proxy and `mcptap replay`.
 * Lines of several sessions may be interleaved; servers are identified by the name the host gave
 * them. Pure: no I/O, time comes from the lines, ids from `newId`. It composes the sessions' turns
 * (turns.ts), the requests awaiting responses (pending-requests.ts) and the servers' catalogs
 * (catalog-tracking.ts) with the event builders (event-builders.ts).
 */
export class SessionExtractor {
  private readonly caps: ContentCaps;
  private readonly newId: () => string;
  private readonly turns: SessionTurns;
  private readonly pending: PendingRequests;
  private readonly catalogs: CatalogTracking;

  constructor(private readonly options: SessionExtractorOptions) {
    this.caps = { ...DEFAULT_CAPS, ...options.caps };
    this.newId = options.newId ?? randomUUID;
    this.turns = new SessionTurns({
      idleTurnGapMs: options.idleTurnGapMs ?? DEFAULT_IDLE_TURN_GAP_MS,
      maxSessions: options.maxSessions ?? 10_000,
      newId: this.newId,
      caps: this.caps,
      sharedTurns: options.sharedTurns,
    });
    this.pending = new PendingRequests(options.maxPending ?? 10_000);
    this.catalogs = new CatalogTracking((server) => options.endpointFor?.(server) ?? '');
  }

  /** The events one line produces, in order. */
  push(line: TranscriptLine): McpEvent[] {
    const out: McpEvent[] = [];
    const ctx: LineContext = {
      tenant: line.tenant ?? this.options.tenant,
      hostId: line.host_id ?? this.options.hostId,
      user: lineUser(line) ?? this.options.user ?? NO_USER,
      ms: line.ms,
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
    for (const request of this.pending.takeAll())
      this.unanswered(request, NO_RESPONSE_ERROR, request.place.ctx.ms, out);
    this.turns.endAll(out);
    return out;
  }

  private hostLine(line: HostLine, ctx: LineContext, out: McpEvent[]): void {
    const session = line.session;
    if (line.host === 'user_turn') this.turns.userTurn(session, ctx, line.text ?? '', out);
    const turnId = this.turns.hostActivity(session, ctx.ms);
    if (line.host === 'assistant_output') {
      const text = line.text ?? '';
      const output = assistantOutputEvent({ ctx, session, turnId, eventId: this.newId() }, text, this.caps);
      out.push(output);
      const source = { server: null, tool: '', eventId: output.event_id };
      for (const destination of findMarkdownDestinations(text)) {
        const place = { ctx, session, turnId, eventId: this.newId() };
        out.push(egressEvent(place, source, destination, destination.channel, 'text', this.caps));
      }
    } else if (line.host === 'prompt') {
      const place = { ctx, session, turnId, eventId: this.newId() };
      out.push(promptEvent(place, line.messages ?? [], line.tools ?? [], this.caps));
    }
    this.turns.evictBeyondMax(out);
  }

  private wireMessage(line: WireLine, message: JsonObject, ctx: LineContext, out: McpEvent[]): void {
    const method = typeof message.method === 'string' ? message.method : null;
    const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
    const isRequest = line.dir === 'c2s' && method !== null && id !== null;
    const activity: SessionActivity =
      isRequest && TURN_METHODS.has(method) ? (method === 'tools/call' ? 'call' : 'turn_request') : 'message';
    const place = this.turns.wireMessage(line.session, ctx, activity, out);
    if (isRequest) {
      if (TRACKED_METHODS.has(method)) this.request(line, message, method, id, place, ctx, out);
    } else if (line.dir === 'c2s' && method === 'notifications/cancelled' && isRecord(message.params)) {
      const request = this.pending.take(line.session, line.server, message.params.requestId);
      if (request !== undefined) this.unanswered(request, CANCELLED_ERROR, ctx.ms, out);
    } else if (line.dir === 's2c' && method !== null && id === null) {
      this.catalogs.notified(line.server, method);
    } else if (line.dir === 's2c' && method === null && id !== null) {
      const request = this.pending.take(line.session, line.server, id);
      if (request !== undefined)
        this.response(
          { request, response: message, responseBytes: jsonByteLength(message), ms: ctx.ms },
          out,
        );
    }
    this.turns.evictBeyondMax(out);
  }

  private request(
    line: WireLine,
    message: JsonObject,
    method: string,
    id: string | number,
    { turnId, chainIndex }: { turnId: string; chainIndex: number },
    ctx: LineContext,
    out: McpEvent[],
  ): void {
    const request: PendingRequest = {
      method,
      server: line.server,
      id,
      requestId: String(id),
      params: isRecord(message.params) ? message.params : {},
      place: { ctx, session: line.session, turnId, eventId: this.newId() },
      chainIndex,
      requestBytes: jsonByteLength(message),
    };
    const replaced = this.pending.add(request);
    if (replaced !== undefined) this.unanswered(replaced, NO_RESPONSE_ERROR, ctx.ms, out);
    if (method === 'tools/call') {
      const source = {
        server: this.catalogs.server(line.server),
        tool: stringField(request.params.name),
        eventId: request.place.eventId,
      };
      for (const destination of findArgumentDestinations(request.params.arguments ?? {})) {
        const place = { ctx, session: line.session, turnId, eventId: this.newId() };
        out.push(egressEvent(place, source, destination, 'tool_argument', destination.location, this.caps));
      }
    }
    for (const evicted of this.pending.evictOverflow())
      this.unanswered(evicted, NO_RESPONSE_ERROR, ctx.ms, out);
  }

  /** A request that will get no response (cancelled, replaced, evicted or left open at flush). */
  private unanswered(request: PendingRequest, reason: UnansweredReason, ms: number, out: McpEvent[]): void {
    this.response({ request, response: unansweredResponse(reason), responseBytes: 0, ms }, out);
  }

  private response(exchange: Exchange, out: McpEvent[]): void {
    const { request, response } = exchange;
    const server = request.server;
    const identity = this.catalogs.server(server);
    const result = isRecord(response.result) && !isRecord(response.error) ? response.result : null;
    if (request.method === 'initialize') {
      if (result !== null) this.catalogs.initialized(server, result);
      return;
    }
    const listKind = listedCatalogKind(request.method);
    if (listKind !== undefined) {
      const change =
        result === null ? null : this.catalogs.listed(server, listKind, request.params.cursor, result);
      if (change !== null) out.push(catalogEvent(request.place, identity, change, this.caps));
      return;
    }
    out.push(
      request.method === 'tools/call'
        ? toolCallEvent(identity, exchange, this.caps)
        : contentReadEvent(identity, exchange, this.caps),
    );
  }
}

function lineUser(line: TranscriptLine): UserIdentity | undefined {
  if (line.user_id === undefined) return undefined;
  return { user_id: line.user_id, team: line.team ?? '', user_source: line.user_source ?? 'option' };
}
