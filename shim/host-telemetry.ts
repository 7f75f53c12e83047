import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Span, Tracer } from '@opentelemetry/api';
import { isoTime } from '../model/index.js';
import { SessionExtractor, type ContentCaps } from './extract/session-extractor.js';
import type { HostLine, TranscriptLine, WireDirection } from './extract/transcript-line.js';
import { createShimMetrics, type ShimMetrics } from './shim-metrics.js';
import { SpanEmitter } from './span-emitter.js';

export interface McpHostTelemetryOptions {
  /** The installation; defaults to `MCPTAP_HOST_ID` or the machine's host name. */
  hostId?: string;
  /** Left empty by hosts: the collector sets the tenant from the API key. */
  tenant?: string;
  tracer?: Tracer;
  idleTurnGapMs?: number;
  caps?: Partial<ContentCaps>;
  /** Session used by clients that are given no `sessionId`; random by default. */
  defaultSessionId?: string;
  /** Receives every transcript line (the proxy's `--record`). Must not block. */
  record?: (line: TranscriptLine) => void;
  metrics?: ShimMetrics;
  now?: () => number;
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
 * breaks the host — and counts them in `metrics.errors`.
 */
export class McpHostTelemetry {
  readonly metrics: ShimMetrics;
  readonly emitter: SpanEmitter;
  readonly defaultSessionId: string;
  private readonly extractor: SessionExtractor;
  private readonly endpoints = new Map<string, string>();
  private readonly now: () => number;

  constructor(private readonly options: McpHostTelemetryOptions = {}) {
    this.metrics = options.metrics ?? createShimMetrics();
    this.emitter = new SpanEmitter({ tracer: options.tracer, metrics: this.metrics });
    this.defaultSessionId = options.defaultSessionId ?? randomUUID();
    this.now = options.now ?? Date.now;
    this.extractor = new SessionExtractor({
      tenant: options.tenant ?? '',
      hostId: options.hostId ?? (process.env.MCPTAP_HOST_ID || hostname()),
      endpointFor: (server) => this.endpoints.get(server) ?? '',
      idleTurnGapMs: options.idleTurnGapMs,
      caps: options.caps,
    });
  }

  /** Declares how a server is reached (part of its identity). Call before its first message. */
  registerServer(name: string, endpoint: string): void {
    this.endpoints.set(name, endpoint);
  }

  session(id: string = this.defaultSessionId): HostSession {
    const line = (host: HostLine['host'], fields: Partial<HostLine>) =>
      this.push({ ts: isoTime(this.now()), session: id, host, ...fields });
    return {
      id,
      startTurn: (text) => line('user_turn', { text }),
      assistantOutput: (text) => line('assistant_output', { text }),
      recordPrompt: (messages, tools = []) => line('prompt', { messages: [...messages], tools: [...tools] }),
    };
  }

  /** A JSON-RPC message (or batch) that crossed a transport. */
  wire(session: string, server: string, dir: WireDirection, msg: unknown): void {
    if (msg === null || typeof msg !== 'object') {
      this.metrics.errors.inc({ stage: 'parse' });
      return;
    }
    this.push({ ts: isoTime(this.now()), session, server, dir, msg: msg as Record<string, unknown> });
  }

  /** A JSON-RPC message as text (a stdio line, an HTTP body, an SSE event's data). */
  wireText(session: string, server: string, dir: WireDirection, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.metrics.errors.inc({ stage: 'parse' });
      return;
    }
    this.wire(session, server, dir, msg);
  }

  /** Starts a request's client span now, so that its context can be sent along (see SpanEmitter). */
  startRequestSpan(server: string, requestId: string, name: string): Span | null {
    try {
      return this.emitter.startRequestSpan(server, requestId, name);
    } catch {
      this.metrics.errors.inc({ stage: 'span' });
      return null;
    }
  }

  /** Reports unanswered requests and ends open turns (at shutdown). */
  flush(): void {
    try {
      this.emitter.emit(this.extractor.flush());
    } catch {
      this.metrics.errors.inc({ stage: 'extract' });
    }
  }

  private push(line: TranscriptLine): void {
    try {
      this.options.record?.(line);
    } catch {
      this.metrics.errors.inc({ stage: 'record' });
    }
    try {
      this.emitter.emit(this.extractor.push(line));
    } catch {
      this.metrics.errors.inc({ stage: 'extract' });
    }
  }
}
