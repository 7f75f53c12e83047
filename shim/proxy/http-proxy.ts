import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { McpHostTelemetry } from '../host-telemetry.js';
import type { SocketEnds } from '../peer-process.js';
import { SseParser } from './sse-parser.js';

export interface HttpProxyOptions {
  /** The Streamable HTTP endpoint of the real server. */
  upstream: URL;
  host: string;
  port: number;
  server: string;
  /** The session of clients `clientSession` does not name, each MCP session `<session>/<its id>`. */
  session: string;
  /**
   * The session of the client at the other end of a connection (its host process's), when it can
   * be told; asked once per connection, before its first request is forwarded.
   */
  clientSession?: (ends: SocketEnds) => Promise<string | undefined>;
  telemetry: McpHostTelemetry;
}

export interface RunningHttpProxy {
  address: AddressInfo;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);
const MAX_OBSERVED_BODY_BYTES = 64 * 1024 * 1024;
/** The event model's limit for a session id. */
const MAX_SESSION_ID_CHARS = 256;

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

function forwardedHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!HOP_BY_HOP.has((raw[i] ?? '').toLowerCase())) out.push(raw[i] ?? '', raw[i + 1] ?? '');
  }
  return out;
}

function decoder(encoding: string | undefined): Transform | null {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return null;
  }
}

/**
 * Fronts a Streamable HTTP MCP server: every request (POST, GET, DELETE) goes to the upstream URL
 * with its headers (Mcp-Session-Id, Authorization, Last-Event-ID …) and body unchanged, and the
 * response — JSON or an SSE stream — comes back unchanged as it arrives. Copies of request bodies
 * and of response bodies (decompressed when needed) are observed.
 */
export async function startHttpProxy(options: HttpProxyOptions): Promise<RunningHttpProxy> {
  const { telemetry, server: serverName, session } = options;
  /**
   * A client that is told apart (its host process) is its session, whatever MCP sessions it opens,
   * so that its calls through the proxies of several servers are one conversation. Otherwise each
   * MCP session the server hands out (Mcp-Session-Id) is a session of its own, so that two clients
   * behind one proxy never mix their request ids, turns or chains; a stateless server hands out
   * none, and its exchanges go to the proxy's session.
   */
  const sessionOf = (client: string | undefined, mcpSessionId: string | undefined) =>
    client ??
    (mcpSessionId === undefined ? session : `${session}/${mcpSessionId}`.slice(0, MAX_SESSION_ID_CHARS));
  const clients = new WeakMap<Socket, Promise<string | undefined>>();
  const clientOf = (socket: Socket): Promise<string | undefined> => {
    let client = clients.get(socket);
    if (client === undefined) {
      const ends = {
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
      };
      client = (options.clientSession?.(ends) ?? Promise.resolve(undefined)).catch(() => undefined);
      clients.set(socket, client);
    }
    return client;
  };
  const observe = (eventSession: string, dir: 'c2s' | 's2c', text: string) => {
    if (text.trim() !== '') telemetry.wireText(eventSession, serverName, dir, text);
  };
  const send = options.upstream.protocol === 'https:' ? httpsRequest : httpRequest;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const client = clientOf(req.socket);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on(
      'end',
      () => void client.then((clientSession) => forward(req, res, Buffer.concat(chunks), clientSession)),
    );
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, client: string | undefined) => {
    const requestSession = headerValue(req.headers['mcp-session-id']);
    // A request is always observed before its response. One without a session id (initialize)
    // waits for the response's headers, which name the session the server opened.
    let unobserved = body.length > 0 && body.length <= MAX_OBSERVED_BODY_BYTES ? body.toString('utf8') : '';
    const observeRequest = (eventSession: string) => {
      observe(eventSession, 'c2s', unobserved);
      unobserved = '';
    };
    if (requestSession !== undefined) observeRequest(sessionOf(client, requestSession));
    const target = new URL(options.upstream);
    const query = new URL(req.url ?? '/', 'http://proxy').search;
    if (query !== '') target.search = query;
    const upstream = send(target, {
      method: req.method,
      headers: [...forwardedHeaders(req.rawHeaders), 'host', target.host],
    });
    upstream.on('response', (answer) => {
      const eventSession = sessionOf(client, requestSession ?? headerValue(answer.headers['mcp-session-id']));
      observeRequest(eventSession);
      relay(answer, res, eventSession);
    });
    upstream.on('error', (error) => {
      observeRequest(sessionOf(client, requestSession));
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`mcptap proxy: upstream ${options.upstream.origin} unreachable (${error.message})\n`);
      } else {
        res.destroy();
      }
    });
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  };

  const relay = (answer: IncomingMessage, res: ServerResponse, eventSession: string) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardedHeaders(answer.rawHeaders));
    // Flush the status line at once: an SSE stream may stay silent for a long time.
    res.flushHeaders();
    answer.pipe(res);
    try {
      observeBody(answer, eventSession);
    } catch {
      telemetry.metrics.errorsByStage.observe.inc();
    }
  };

  const observeBody = (answer: IncomingMessage, eventSession: string) => {
    const contentType = String(answer.headers['content-type'] ?? '').toLowerCase();
    const isSse = contentType.includes('text/event-stream');
    if (!isSse && !contentType.includes('json')) return;
    const decode = decoder(answer.headers['content-encoding']);
    const source = decode === null ? answer : answer.pipe(decode);
    decode?.on('error', () => telemetry.metrics.errorsByStage.decode.inc());
    if (isSse) {
      const parser = new SseParser((data) => observe(eventSession, 's2c', data));
      // A decoder of our own: setEncoding on the response would change what is piped to the host.
      const text = new StringDecoder('utf8');
      source.on('data', (chunk: Buffer) => parser.push(text.write(chunk)));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OBSERVED_BODY_BYTES) chunks.push(chunk);
    });
    source.on('end', () => {
      if (size <= MAX_OBSERVED_BODY_BYTES)
        observe(eventSession, 's2c', Buffer.concat(chunks).toString('utf8'));
    });
  };

  const httpServer = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  return {
    address: httpServer.address() as AddressInfo,
    close: () =>
      new Promise((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}
