import { basename } from 'node:path';
import { isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { McpHostTelemetry } from './host-telemetry.js';
import { isRecord } from '../model/index.js';

export interface InstrumentClientOptions {
  /** The name the host gives this server (its key in the host's MCP config). */
  serverName: string;
  /** The command line or URL that reaches the server. */
  endpoint: string;
  /** The host's current conversation; defaults to the telemetry's default session. */
  sessionId?: () => string;
  /** Defaults to one shared per process, using the global tracer provider. */
  telemetry?: McpHostTelemetry;
  /** Send trace context to the server in `params._meta` (default true). */
  propagateContext?: boolean;
  /**
   * Whom this client's calls are made for (user, agent or service principal) and their team; by
   * default the telemetry's (see McpHostTelemetryOptions.user).
   */
  user?: { id: string; team?: string };
}

/** Requests whose client span is started when sent, so that its context reaches the server. */
const SPANNED_METHODS: Readonly<Record<string, (params: Record<string, unknown>) => string>> = {
  'tools/call': (params) => `tools/call ${String(params.name ?? '')}`,
  'resources/read': () => 'resources/read',
  'prompts/get': (params) => `prompts/get ${String(params.name ?? '')}`,
};
const MAX_REMEMBERED_REQUESTS = 10_000;

let sharedTelemetry: McpHostTelemetry | undefined;

/** The telemetry used when none is given: one per process, on the global tracer provider. */
export function defaultHostTelemetry(): McpHostTelemetry {
  sharedTelemetry ??= new McpHostTelemetry();
  return sharedTelemetry;
}

/** The host's own span, when it is in one and its context can be sent. */
function activeSpanContext(): SpanContext | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : null;
}

/** W3C trace context as the OpenTelemetry MCP conventions carry it in `params._meta`. */
function traceContextMeta(spanContext: SpanContext): Record<string, string> {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const meta: Record<string, string> = {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
  };
  const state = spanContext.traceState?.serialize();
  if (state) meta.tracestate = state;
  return meta;
}

/** What one client connection does with each message: route it to the telemetry, add trace context. */
class ConnectionTap {
  /** The session of each request in flight, so its response is told to the same conversation. */
  private readonly requestSessions = new Map<RequestId, string>();
  private readonly telemetry: McpHostTelemetry;
  /** The last session told this client's user. */
  private userSession: string | undefined;

  constructor(private readonly options: InstrumentClientOptions) {
    this.telemetry = options.telemetry ?? defaultHostTelemetry();
    this.telemetry.registerServer(options.serverName, options.endpoint);
  }

  outgoing(message: JSONRPCMessage): JSONRPCMessage {
    try {
      return this.observeOutgoing(message);
    } catch {
      this.telemetry.metrics.errorsByStage.transport.inc();
      return message;
    }
  }

  incoming(message: JSONRPCMessage): void {
    try {
      const id = 'id' in message && !('method' in message) ? message.id : undefined;
      const session = (id !== undefined ? this.requestSessions.get(id) : undefined) ?? this.sessionId();
      if (id !== undefined) this.requestSessions.delete(id);
      this.telemetry.wire(session, this.options.serverName, 's2c', message);
    } catch {
      this.telemetry.metrics.errorsByStage.transport.inc();
    }
  }

  private sessionId(): string {
    return this.options.sessionId?.() ?? this.telemetry.defaultSessionId;
  }

  private observeOutgoing(message: JSONRPCMessage): JSONRPCMessage {
    const session = this.sessionId();
    const user = this.options.user;
    if (user !== undefined && user.id !== '' && session !== this.userSession) {
      this.telemetry.assignUser(session, { user_id: user.id, team: user.team ?? '', user_source: 'option' });
      this.userSession = session;
    }
    let outgoing = message;
    if ('method' in message && 'id' in message) {
      const params = isRecord(message.params) ? message.params : {};
      const spanName = SPANNED_METHODS[message.method];
      const spanContext = spanName
        ? this.telemetry.requestSpanContext(
            session,
            this.options.serverName,
            String(message.id),
            spanName(params),
          )
        : activeSpanContext();
      if (this.options.propagateContext !== false && spanContext !== null) {
        const meta = isRecord(params._meta) ? params._meta : {};
        outgoing = {
          ...message,
          params: { ...params, _meta: { ...meta, ...traceContextMeta(spanContext) } },
        };
      }
      this.requestSessions.set(message.id, session);
      if (this.requestSessions.size > MAX_REMEMBERED_REQUESTS) {
        this.requestSessions.delete(this.requestSessions.keys().next().value as RequestId);
      }
    }
    this.telemetry.wire(session, this.options.serverName, 'c2s', outgoing);
    return outgoing;
  }
}

/**
 * A transport that passes everything through to `inner` and shows every message, in both
 * directions, to the connection's tap. The SDK installs its callbacks on the transport it was
 * given, so they are forwarded to the inner transport.
 */
class TappedTransport implements Transport {
  private handler: Transport['onmessage'];

  constructor(
    private readonly inner: Transport,
    private readonly tap: ConnectionTap,
  ) {}

  start(): Promise<void> {
    return this.inner.start();
  }
  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(this.tap.outgoing(message), options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  get onclose() {
    return this.inner.onclose;
  }
  set onclose(handler) {
    this.inner.onclose = handler;
  }
  get onerror() {
    return this.inner.onerror;
  }
  set onerror(handler) {
    this.inner.onerror = handler;
  }
  get onmessage() {
    return this.handler;
  }
  set onmessage(handler) {
    this.handler = handler;
    this.inner.onmessage =
      handler &&
      (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => {
        // The host gets the message first; the tap only queues it for extraction after this tick.
        handler(message, extra);
        this.tap.incoming(message);
      });
  }
  get sessionId() {
    return this.inner.sessionId;
  }
  get setProtocolVersion() {
    return this.inner.setProtocolVersion?.bind(this.inner);
  }
}

/** Wraps a transport so that every message through it is observed; pass the result to `connect`. */
export function tapTransport(transport: Transport, options: InstrumentClientOptions): Transport {
  return new TappedTransport(transport, new ConnectionTap(options));
}

/**
 * Instruments one MCP SDK client: every message of its (next) connection goes through the shim.
 * Call before `client.connect(transport)`; the client is returned for chaining.
 */
export function instrumentClient<C extends Client>(client: C, options: InstrumentClientOptions): C {
  const connect = client.connect.bind(client);
  client.connect = (transport, requestOptions) => connect(tapTransport(transport, options), requestOptions);
  return client;
}

/** `…/node_modules/@scope/server-x/dist/index.js` → `server-x`; `./weather.py` → `weather`. */
function serverNameOf(script: string): string {
  const installed = /node_modules\/(?:@[^/]+\/)?([^/]+)/.exec(script);
  if (installed?.[1] !== undefined) return installed[1];
  const unscoped = script.replace(/^@[^/]+\//, '').replace(/@[^/]*$/, '');
  return basename(unscoped).replace(/\.(c|m)?(j|t)s$|\.py$/, '');
}

/**
 * A server name and endpoint for a transport the host did not describe: the stdio command line
 * (named after its script or package) or the HTTP URL (named after its host).
 */
export function describeTransport(transport: Transport): { name: string; endpoint: string } {
  const probe = transport as unknown as {
    _serverParams?: { command?: unknown; args?: unknown };
    _url?: unknown;
  };
  const params = probe._serverParams;
  if (params !== undefined && typeof params.command === 'string') {
    const args = Array.isArray(params.args) ? params.args.map(String) : [];
    const launcher = /^(node|npx|bunx?|deno|uvx?|python3?|tsx|docker)$/.test(basename(params.command));
    const subject = launcher
      ? (args.find((arg) => !arg.startsWith('-') && arg !== 'run') ?? params.command)
      : params.command;
    return { name: serverNameOf(subject), endpoint: [params.command, ...args].join(' ') };
  }
  if (probe._url instanceof URL) return { name: probe._url.host, endpoint: probe._url.href };
  return { name: 'mcp', endpoint: '' };
}
