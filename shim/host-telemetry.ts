import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { context, trace, type Context, type SpanContext, type Tracer } from '@opentelemetry/api';
import { ATTR, type UserIdentity } from '../model/index.js';
import { DeferredQueue } from './deferred-queue.js';
import {
  SessionExtractor,
  type ContentCaps,
  type HostLine,
  type SharedTurns,
  type TranscriptLine,
  type WireDirection,
} from '../extract/index.js';
import { createShimMetrics, type ShimMetrics } from './shim-metrics.js';
import { SpanEmitter, type PendingRequestSpan } from './span-emitter.js';

export interface McpHostTelemetryOptions {
  /** The installation; defaults to `MCPTAP_HOST_ID` or the machine's host name. */
  hostId?: string;
  /** Left empty by hosts: the collector sets the tenant from the API key. */
  tenant?: string;
  /**
   * Who the host's calls are made for (a user, agent or service principal), and their team. A
   * session's own user (`session(id, { userId })`) and `user.id` / `enduser.id` on the host's active
   * span win over it. The collector keeps it as the host's claim; the tenant comes from the API key.
   */
  user?: { id: string; team?: string } | UserIdentity;
  tracer?: Tracer;
  idleTurnGapMs?: number;
  /** Turns shared with the other processes observing the same sessions (the proxy's session clock). */
  sharedTurns?: SharedTurns;
  caps?: Partial<ContentCaps>;
  /** Session used by clients that are given no `sessionId`; random by default. */
  defaultSessionId?: string;
  /** Receives every transcript line (the proxy's `--record`). Must not block. */
  record?: (line: TranscriptLine) => void;
  metrics?: ShimMetrics;
  now?: () => number;
  /** Lines seen but not yet extracted; beyond it lines are dropped and counted. Default 10,000. */
  maxQueuedLines?: number;
}

/** A JSON-RPC message or batch; the extractor reads the rest. */
function isMessage(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * A line as seen on the host's critical path: only its time, the host's active context (the
 * parent of the spans it yields) and the message (or text) taken, the rest done when the queue is
 * drained.
 */
type Observed = { ms: number; context: Context; session: string } & (
  | { server: string; dir: WireDirection; msg: Record<string, unknown> }
  | { server: string; dir: WireDirection; text: string }
  | { host: HostLine['host']; fields: Partial<HostLine> }
  | { pending: PendingRequestSpan }
);

const MAX_SESSION_USERS = 10_000;

/** Who one session's calls are made for; see McpHostTelemetryOptions.user. */
export interface SessionUser {
  userId: string;
  team?: string;
}

/**
 * The user the host set on its active span (`user.id`, or the older `enduser.id`). The API has no
 * way to read a span's attributes; the SDK's spans expose them as `attributes`, other spans have none.
 */
function activeSpanUser(active: Context): string {
  const attributes = (trace.getSpan(active) as { attributes?: Record<string, unknown> } | undefined)
    ?.attributes;
  const id = attributes?.[ATTR.userId] ?? attributes?.[ATTR.enduserId];
  return typeof id === 'string' ? id : '';
}

/** Host-side calls for one conversation. */
export interface HostSession {
  readonly id: string;
  /** The user spoke: a new turn begins (and the previous one ends). */
  startTurn(text: string): void;
  /** Text the model showed the user; its links and images are egress. */
  assistantOutput(text: string): void;
  /** The full context the model saw in this turn, and the tools it was offered. */
  recordPrompt(messages: readonly unknown[], tools?: readonly unknown[]): void;
}

/**
 * The shim's pipeline inside a host (or the proxy): transcript lines in, through the one
 * SessionExtractor, out as spans. Every entry point swallows its own failures — telemetry never
 * breaks the host — and counts them in `metrics.errors`. Entry points only timestamp what they are
 * given and queue it (bounded); parsing, extraction and spans follow once the host's own work for
 * that turn of the event loop is done, in the order the lines came.
 */
export class McpHostTelemetry {
  readonly metrics: ShimMetrics;
  readonly emitter: SpanEmitter;
  readonly defaultSessionId: string;
  private readonly extractor: SessionExtractor;
  private readonly endpoints = new Map<string, string>();
  private readonly now: () => number;
  private readonly queue: DeferredQueue<Observed>;
  private readonly hostUser: UserIdentity | undefined;
  private readonly sessionUsers = new Map<string, UserIdentity>();

  constructor(private readonly options: McpHostTelemetryOptions = {}) {
    this.metrics = options.metrics ?? createShimMetrics();
    this.emitter = new SpanEmitter({ tracer: options.tracer, metrics: this.metrics });
    this.defaultSessionId = options.defaultSessionId ?? randomUUID();
    this.now = options.now ?? Date.now;
    const user = options.user;
    this.hostUser =
      user === undefined || ('id' in user && user.id === '')
        ? undefined
        : 'id' in user
          ? { user_id: user.id, team: user.team ?? '', user_source: 'option' }
          : user;
    this.extractor = new SessionExtractor({
      tenant: options.tenant ?? '',
      hostId: options.hostId ?? (process.env.MCPTAP_HOST_ID || hostname()),
      endpointFor: (server) => this.endpoints.get(server) ?? '',
      idleTurnGapMs: options.idleTurnGapMs,
      sharedTurns: options.sharedTurns,
      caps: options.caps,
    });
    this.queue = new DeferredQueue({
      capacity: options.maxQueuedLines ?? 10_000,
      process: (observed) => {
        try {
          context.with(observed.context, () => this.process(observed));
        } catch {
          this.metrics.errorsByStage.extract.inc();
        }
      },
      onDrop: () => this.metrics.linesDropped.inc(),
    });
  }

  /** Declares how a server is reached (part of its identity). Call before its first message. */
  registerServer(name: string, endpoint: string): void {
    this.endpoints.set(name, endpoint);
  }

  /**
   * Host-side calls for one conversation; `user` says whom its calls are made for (kept for every
   * later message of the session, also those of clients that only name it).
   */
  session(id: string = this.defaultSessionId, user?: SessionUser): HostSession {
    if (user !== undefined && user.userId !== '')
      this.assignUser(id, { user_id: user.userId, team: user.team ?? '', user_source: 'session' });
    const line = (host: HostLine['host'], fields: Partial<HostLine>) =>
      this.queue.push({ ms: this.now(), context: context.active(), session: id, host, fields });
    return {
      id,
      startTurn: (text) => line('user_turn', { text }),
      assistantOutput: (text) => line('assistant_output', { text }),
      recordPrompt: (messages, tools = []) => line('prompt', { messages: [...messages], tools: [...tools] }),
    };
  }

  /** Whom a session's calls are made for, from now on (see `session`). */
  assignUser(session: string, user: UserIdentity): void {
    this.sessionUsers.delete(session);
    this.sessionUsers.set(session, user);
    // Bounded like the extractor's sessions: the least recently named one goes first.
    if (this.sessionUsers.size > MAX_SESSION_USERS)
      this.sessionUsers.delete(this.sessionUsers.keys().next().value!);
  }

  /** A JSON-RPC message (or batch) that crossed a transport. */
  wire(session: string, server: string, dir: WireDirection, msg: unknown): void {
    if (!isMessage(msg)) {
      this.metrics.errorsByStage.parse.inc();
      return;
    }
    this.queue.push({ ms: this.now(), context: context.active(), session, server, dir, msg });
  }

  /** A JSON-RPC message as text (a stdio line, an HTTP body, an SSE event's data). */
  wireText(session: string, server: string, dir: WireDirection, text: string): void {
    this.queue.push({ ms: this.now(), context: context.active(), session, server, dir, text });
  }

  /**
   * The context of a request's client span, to send along with the request; the span itself is
   * started once the queue is drained where the tracer allows it (see SpanEmitter).
   */
  requestSpanContext(session: string, server: string, requestId: string, name: string): SpanContext | null {
    try {
      const parent = context.active();
      const { spanContext, pending } = this.emitter.requestSpanContext(
        session,
        server,
        requestId,
        name,
        parent,
      );
      if (pending !== null) this.queue.push({ ms: pending.startTime, context: parent, session, pending });
      return spanContext;
    } catch {
      this.metrics.errorsByStage.span.inc();
      return null;
    }
  }

  /** Extracts every line queued so far, reports unanswered requests and ends open turns (at shutdown). */
  flush(): void {
    this.queue.drain();
    try {
      this.emitter.emit(this.extractor.flush());
    } catch {
      this.metrics.errorsByStage.extract.inc();
    }
  }

  private process(observed: Observed): void {
    if ('pending' in observed) {
      this.emitter.startPendingRequestSpan(observed.pending, observed.context);
      return;
    }
    const { ms } = observed;
    const user = this.userOf(observed.session, observed.context);
    if ('host' in observed) {
      this.extract({ ms, session: observed.session, host: observed.host, ...observed.fields, ...user });
      return;
    }
    const { session, server, dir } = observed;
    if ('msg' in observed) {
      this.extract({ ms, session, server, dir, msg: observed.msg, ...user });
      return;
    }
    let msg: unknown = null;
    try {
      msg = JSON.parse(observed.text);
    } catch {
      // counted below, like any other text that is not a JSON-RPC message
    }
    if (!isMessage(msg)) {
      this.metrics.errorsByStage.parse.inc();
      return;
    }
    this.extract({ ms, session, server, dir, msg, ...user });
  }

  /** The session's own user, else the one on the host's active span, else the host-wide one. */
  private userOf(session: string, active: Context): Partial<UserIdentity> {
    const own = this.sessionUsers.get(session);
    if (own !== undefined) return own;
    const fromSpan = activeSpanUser(active);
    if (fromSpan !== '')
      return { user_id: fromSpan, team: this.hostUser?.team ?? '', user_source: 'enduser_attribute' };
    return this.hostUser ?? {};
  }

  private extract(line: TranscriptLine): void {
    try {
      this.options.record?.(line);
    } catch {
      this.metrics.errorsByStage.record.inc();
    }
    try {
      this.emitter.emit(this.extractor.push(line));
    } catch {
      this.metrics.errorsByStage.extract.inc();
    }
  }
}
