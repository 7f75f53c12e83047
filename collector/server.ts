import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../platform/index.js';
import { maskSecretsInText, SECRETS_UNMASKED_ENV } from '../secrets/index.js';
import { ApiKeyAuthenticator, presentedApiKey } from './api-keys.js';
import { createCollectorMetrics, type CollectorMetrics } from './collector-metrics.js';
import type { CollectorConfig } from './config.js';
import { OtlpDecodeError, type DecodedSpan } from './decoded-span.js';
import type { EventPublisher } from './event-publisher.js';
import { InFlightBudget } from './in-flight-budget.js';
import { normaliseSpans } from './normalise-spans.js';
import { decodeOtlpJson } from './otlp-json-decode.js';
import { decodeOtlpProtobuf } from './otlp-protobuf-decode.js';
import {
  CONTENT_TYPES,
  exportResponseBody,
  RPC_CODE,
  statusBody,
  type OtlpEncoding,
} from './otlp-response.js';
import { SpanRateLimiter } from './rate-limiter.js';
import { BodyError, readRequestBody } from './request-body.js';

/**
 * The OTLP/HTTP receiver: POST /v1/traces (protobuf or JSON, optionally gzip), answered 200 only
 * once the publisher acknowledged every record of the request; GET /healthz, /readyz, /metrics.
 */

export interface CollectorDeps {
  publisher: EventPublisher;
  logger?: Logger;
  metrics?: CollectorMetrics;
}

export interface RunningCollector {
  /** Base URL, e.g. `http://127.0.0.1:4318`; exporters post to `${url}/v1/traces`. */
  url: string;
  metrics: CollectorMetrics;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes connections. */
  close(): Promise<void>;
}

const TRACES_PATH = '/v1/traces';

function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === CONTENT_TYPES.protobuf) return 'protobuf';
  if (mediaType === CONTENT_TYPES.json) return 'json';
  return undefined;
}

interface Answer {
  status: number;
  body: Buffer;
  contentType: string;
  retryAfterSeconds?: number;
  /** The body was not (fully) read: close the connection rather than drain it. */
  close?: boolean;
}

function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string | number> = {
    'content-type': answer.contentType,
    'content-length': answer.body.length,
  };
  if (answer.retryAfterSeconds !== undefined) headers['retry-after'] = answer.retryAfterSeconds;
  if (answer.close) headers.connection = 'close';
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** A request whose records are queued for the publisher. */
interface Queued {
  published: Promise<void>;
  spans: number;
  records: number;
  recordsByKind: Map<string, number>;
  partial: { rejectedSpans: number; errorMessage: string } | undefined;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

export async function startCollector(
  config: CollectorConfig,
  deps: CollectorDeps,
): Promise<RunningCollector> {
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? createCollectorMetrics();
  const { publisher } = deps;
  const auth = new ApiKeyAuthenticator(config.apiKeys);
  const limiter = new SpanRateLimiter(config.rateLimit);
  const budget = new InFlightBudget(config.maxConcurrentRequests, config.maxInFlightBytes);
  const normaliseOptions = {
    caps: config.caps,
    maxRecordBytes: config.maxRecordBytes,
    forwardRawSpans: config.forwardRawSpans,
    mask: config.maskSecrets ? maskSecretsInText : null,
  };
  if (!config.maskSecrets) {
    logger.warn(
      `${SECRETS_UNMASKED_ENV.name}=true: secrets found in traffic are passed on raw to ${publisher.destination} and stored raw; unset it to mask them`,
    );
  }
  let shuttingDown = false;
  let active = 0;
  let idle: (() => void) | undefined;

  const status = (
    encoding: OtlpEncoding,
    httpStatus: number,
    code: number,
    message: string,
    extra: Partial<Answer> = {},
  ): Answer => ({
    status: httpStatus,
    body: statusBody(encoding, code, message),
    contentType: CONTENT_TYPES[encoding],
    ...extra,
  });
  const unavailable = (encoding: OtlpEncoding, message: string, close = false): Answer =>
    status(encoding, 503, RPC_CODE.unavailable, message, {
      retryAfterSeconds: config.retryAfterSeconds,
      close,
    });

  /** Answers an export request; `settle` holds what must finish before its memory is released. */
  async function exportTraces(
    req: IncomingMessage,
    hold: (bytes: number) => boolean,
    settle: (p: Promise<unknown>) => void,
  ): Promise<Answer> {
    const encoding = encodingOf(req.headers['content-type']);
    if (encoding === undefined) {
      return status(
        'json',
        415,
        RPC_CODE.invalidArgument,
        `unsupported content type '${String(req.headers['content-type'] ?? '')}': send application/x-protobuf or application/json`,
        {
          close: hasBody(req),
        },
      );
    }
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'identity' && contentEncoding !== 'gzip') {
      return status(
        encoding,
        415,
        RPC_CODE.invalidArgument,
        `unsupported content encoding '${contentEncoding}': send gzip or no encoding`,
        {
          close: hasBody(req),
        },
      );
    }
    const key = presentedApiKey(req.headers);
    const authenticated = key === undefined ? undefined : auth.authenticate(key);
    if (authenticated === undefined) {
      return status(
        encoding,
        401,
        RPC_CODE.unauthenticated,
        'missing or unknown API key: send it in x-mcptap-api-key or Authorization: Bearer',
        {
          close: hasBody(req),
        },
      );
    }
    if (shuttingDown) return unavailable(encoding, 'the collector is shutting down; retry', hasBody(req));
    if (!publisher.ready())
      return unavailable(encoding, `${publisher.destination} is not reachable; retry later`, hasBody(req));
    if (limiter.exhausted(authenticated.keyId)) {
      return status(
        encoding,
        429,
        RPC_CODE.resourceExhausted,
        'rate limit of this API key reached; retry later',
        {
          retryAfterSeconds: 1,
          close: hasBody(req),
        },
      );
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > config.maxBodyBytes) {
      return status(
        encoding,
        413,
        RPC_CODE.invalidArgument,
        `the body (${declared} bytes) exceeds the collector's limit of ${config.maxBodyBytes} bytes; send smaller batches`,
        {
          close: true,
        },
      );
    }

    let body: Buffer;
    try {
      body = await readRequestBody(req, {
        gzip: contentEncoding === 'gzip',
        maxBytes: config.maxBodyBytes,
        reserve: hold,
      });
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      if (error.status === 503) return unavailable(encoding, error.message, true);
      return status(encoding, error.status, RPC_CODE.invalidArgument, error.message, { close: true });
    }

    return awaitPublished(
      encoding,
      authenticated.tenant,
      queueRecords(body, encoding, authenticated, hold, settle),
    );
  }

  /**
   * Decodes a body and queues its records; returns the answer when they cannot be queued. Apart from
   * the publisher's promise, what it returns is small: nothing decoded outlives this call (see
   * awaitPublished).
   */
  function queueRecords(
    body: Buffer,
    encoding: OtlpEncoding,
    authenticated: { keyId: string; tenant: string },
    hold: (bytes: number) => boolean,
    settle: (p: Promise<unknown>) => void,
  ): Answer | Queued {
    let spans: DecodedSpan[];
    try {
      spans = encoding === 'protobuf' ? decodeOtlpProtobuf(body) : decodeOtlpJson(body);
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      logger.debug('refused a malformed export request', {
        tenant: authenticated.tenant,
        reason: error.message,
      });
      return status(encoding, 400, RPC_CODE.invalidArgument, error.message);
    }
    metrics.spansReceived.inc({}, spans.length);

    const taken = limiter.take(authenticated.keyId, spans.length);
    if (!taken.ok) {
      metrics.spansRejected.inc({ reason: 'rate_limited' }, spans.length);
      return status(
        encoding,
        429,
        RPC_CODE.resourceExhausted,
        `rate limit of this API key reached (${config.rateLimit.spansPerSecond} spans/s); retry later`,
        {
          retryAfterSeconds: taken.retryAfterSeconds,
        },
      );
    }

    const normalised = normaliseSpans(spans, authenticated.tenant, normaliseOptions);
    for (const [reason, count] of Object.entries(normalised.rejectedByReason))
      metrics.spansRejected.inc({ reason }, count);
    if (normalised.notOurs > 0) {
      metrics.spansNotOurs.inc(
        { action: config.forwardRawSpans ? 'forwarded' : 'dropped' },
        normalised.notOurs,
      );
    }
    let recordBytes = 0;
    const recordsByKind = new Map<string, number>();
    for (const item of normalised.items) {
      recordBytes += item.bytes;
      const kind = item.type === 'event' ? item.event.kind : 'raw_span';
      recordsByKind.set(kind, (recordsByKind.get(kind) ?? 0) + 1);
    }
    if (!hold(recordBytes))
      return unavailable(encoding, 'the collector is at its in-flight memory limit; retry later');

    const published = publisher.publish(normalised.items);
    settle(published);
    return {
      published,
      spans: spans.length,
      records: normalised.items.length,
      recordsByKind,
      partial:
        normalised.rejected === 0
          ? undefined
          : {
              rejectedSpans: normalised.rejected,
              errorMessage: `${normalised.rejected} of ${spans.length} spans rejected: ${normalised.reasons.join('; ')}`,
            },
    };
  }

  /** Answers 200 once the queued records are acknowledged, 503 when they are not in time. */
  async function awaitPublished(
    encoding: OtlpEncoding,
    tenant: string,
    queued: Answer | Queued,
  ): Promise<Answer> {
    if (!('published' in queued)) return queued;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${config.publishTimeoutMs} ms`)),
        config.publishTimeoutMs,
      );
    });
    try {
      await Promise.race([queued.published, timeout]);
    } catch (error) {
      metrics.spansRejected.inc({ reason: 'kafka_unavailable' }, queued.spans);
      logger.warn(`export request answered 503: ${publisher.destination} did not acknowledge`, {
        tenant,
        records: queued.records,
        error: error instanceof Error ? error.message : String(error),
      });
      return unavailable(encoding, `${publisher.destination} did not acknowledge the records; retry later`);
    } finally {
      clearTimeout(timer);
    }
    for (const [kind, count] of queued.recordsByKind) metrics.recordsProduced.inc({ kind }, count);
    return {
      status: 200,
      body: exportResponseBody(encoding, queued.partial),
      contentType: CONTENT_TYPES[encoding],
    };
  }

  async function handleExport(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    if (!budget.enter()) {
      const encoding = encodingOf(req.headers['content-type']) ?? 'json';
      send(
        res,
        unavailable(encoding, 'the collector is at its concurrent request limit; retry later', hasBody(req)),
      );
      metrics.requests.inc({ status: '503' });
      return;
    }
    let held = 0;
    const hold = (bytes: number) => {
      if (!budget.reserve(bytes)) return false;
      held += bytes;
      return true;
    };
    let pending: Promise<unknown> | undefined;
    try {
      const answer = await exportTraces(req, hold, (p) => (pending = p));
      send(res, answer);
      metrics.requests.inc({ status: String(answer.status) });
    } catch (error) {
      logger.error('export request failed unexpectedly', {
        error: error instanceof Error ? error.message : String(error),
      });
      send(res, {
        status: 500,
        body: statusBody('json', RPC_CODE.internal, 'internal error'),
        contentType: CONTENT_TYPES.json,
        close: true,
      });
      metrics.requests.inc({ status: '500' });
    } finally {
      metrics.requestDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
      // Records stay queued (in memory) until the publisher settles, even after a timeout answer.
      await pending?.catch(() => undefined);
      budget.release(held);
      budget.leave();
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === TRACES_PATH) {
      if (req.method !== 'POST') {
        send(res, {
          status: 405,
          body: statusBody('json', RPC_CODE.invalidArgument, 'POST OTLP traces here'),
          contentType: CONTENT_TYPES.json,
        });
        return;
      }
      active++;
      void handleExport(req, res).finally(() => {
        if (--active === 0) idle?.();
      });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      send(res, { status: 200, body: Buffer.from('ok\n'), contentType: 'text/plain' });
    } else if (req.method === 'GET' && path === '/readyz') {
      const ready = !shuttingDown && publisher.ready();
      send(res, {
        status: ready ? 200 : 503,
        body: Buffer.from(ready ? 'ready\n' : `not ready: ${publisher.destination} not verified reachable\n`),
        contentType: 'text/plain',
      });
    } else if (req.method === 'GET' && path === '/metrics') {
      metrics.inFlightBytes.set(budget.bytes);
      metrics.inFlightRequests.set(budget.requests);
      metrics.kafkaReady.set(publisher.ready() ? 1 : 0);
      send(res, {
        status: 200,
        body: Buffer.from(metrics.registry.render()),
        contentType: 'text/plain; version=0.0.4',
      });
    } else {
      send(res, { status: 404, body: Buffer.from('not found\n'), contentType: 'text/plain' });
    }
  }

  const server = createServer({ keepAliveTimeout: 30_000 }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info('collector listening', { url, tenants: new Set(config.apiKeys.map((k) => k.tenant)).size });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (active > 0) {
        const drained = new Promise<void>((resolve) => (idle = resolve));
        const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
        await Promise.race([drained, grace]);
      }
      server.closeAllConnections();
      await closed;
      logger.info('collector stopped', { url });
    })());
  return { url, metrics, close };
}
