import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../platform/index.js';
import { SECRETS_UNMASKED_ENV } from '../secrets/index.js';
import { ApiKeyAuthenticator, presentedApiKey } from './api-keys.js';
import { createCollectorMetrics, type CollectorMetrics } from './collector-metrics.js';
import type { ReceiverConfig } from './config.js';
import type { EventPublisher } from './event-publisher.js';
import { ExportRefusal, refusalAnswer } from './export-errors.js';
import { createExportPipeline, type ExportSender } from './export-pipeline.js';
import { admit, InFlightBudget, type Admission } from './in-flight-budget.js';
import {
  CONTENT_TYPES,
  exportResponseBody,
  RPC_CODE,
  statusBody,
  type OtlpEncoding,
} from './otlp-response.js';
import { readRequestBody } from './request-body.js';
import { errorMessage } from '../model/index.js';

/**
 * The OTLP/HTTP receiver: POST /v1/traces (protobuf or JSON, optionally gzip), admitted within the
 * in-flight budget, its body handed to the export pipeline and answered 200 only once the publisher
 * acknowledged every record; GET /healthz, /readyz, /metrics. Every refusal is answered (never a
 * dropped connection): the body of a request refused before it was read is drained, not left in the
 * socket, except when it is over the size limit.
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
  /** Close the connection rather than drain the request's unread body (too large, or a bug). */
  close?: boolean;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function send(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string | number> = {
    'content-type': answer.contentType,
    'content-length': answer.body.length,
  };
  if (answer.retryAfterSeconds !== undefined) headers['retry-after'] = answer.retryAfterSeconds;
  if (!req.complete && hasBody(req)) {
    // A body left unread is in the socket when it closes, and the kernel answers that with a reset
    // the sender sees instead of this answer: the body of a refusal to retry is discarded as it
    // arrives (within the size limit, checked first). Other refusals close, as they did.
    if (answer.close || answer.retryAfterSeconds === undefined) headers.connection = 'close';
    else req.resume();
  } else if (answer.close) headers.connection = 'close';
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

export async function startCollector(config: ReceiverConfig, deps: CollectorDeps): Promise<RunningCollector> {
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics ?? createCollectorMetrics();
  const { publisher } = deps;
  const auth = new ApiKeyAuthenticator(config.apiKeys);
  const budget = new InFlightBudget(config.maxConcurrentRequests, config.maxInFlightBytes);
  const pipeline = createExportPipeline(config, { publisher, metrics, logger });
  if (!config.maskSecrets) {
    logger.warn(
      `${SECRETS_UNMASKED_ENV.name}=true: secrets found in traffic are passed on raw to ${publisher.destination} and stored raw; unset it to mask them`,
    );
  }
  let shuttingDown = false;
  let active = 0;
  let idle: (() => void) | undefined;

  /** The answer to a refusal; anything else that was thrown is a bug (500). */
  function refusal(error: unknown, encoding: OtlpEncoding): Answer {
    const answer = refusalAnswer(error, config.retryAfterSeconds);
    if (answer === undefined) {
      logger.error('export request failed unexpectedly', {
        error: errorMessage(error),
      });
      return {
        status: 500,
        body: statusBody(encoding, RPC_CODE.internal, 'internal error'),
        contentType: CONTENT_TYPES[encoding],
        close: true,
      };
    }
    return {
      status: answer.status,
      body: statusBody(encoding, answer.code, answer.message),
      contentType: CONTENT_TYPES[encoding],
      retryAfterSeconds: answer.retryAfterSeconds,
      close: answer.status === 413,
    };
  }

  /** Who sends, checked before the body is read; throws an ExportRefusal. */
  function admitSender(req: IncomingMessage): ExportSender {
    const key = presentedApiKey(req.headers);
    const sender = key === undefined ? undefined : auth.authenticate(key);
    if (sender === undefined) {
      throw new ExportRefusal(
        'unauthenticated',
        'missing or unknown API key: send it in x-mcptap-api-key or Authorization: Bearer',
      );
    }
    if (shuttingDown) throw new ExportRefusal('retriable', 'the collector is shutting down; retry');
    if (!publisher.ready())
      throw new ExportRefusal('retriable', `${publisher.destination} is not reachable; retry later`);
    if (pipeline.rateLimited(sender.keyId))
      throw new ExportRefusal('rate_limited', 'rate limit of this API key reached; retry later', 1);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > config.maxBodyBytes) {
      throw new ExportRefusal(
        'too_large',
        `the body (${declared} bytes) exceeds the collector's limit of ${config.maxBodyBytes} bytes; send smaller batches`,
      );
    }
    return sender;
  }

  async function exportTraces(
    req: IncomingMessage,
    encoding: OtlpEncoding,
    admission: Admission,
  ): Promise<Answer> {
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'identity' && contentEncoding !== 'gzip') {
      throw new ExportRefusal(
        'unsupported',
        `unsupported content encoding '${contentEncoding}': send gzip or no encoding`,
      );
    }
    const sender = admitSender(req);
    const body = await readRequestBody(req, {
      gzip: contentEncoding === 'gzip',
      maxBytes: config.maxBodyBytes,
      reserve: (bytes) => admission.reserve(bytes),
    });
    const { partial } = await pipeline.export(body, encoding, sender, admission);
    return { status: 200, body: exportResponseBody(encoding, partial), contentType: CONTENT_TYPES[encoding] };
  }

  async function handleExport(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const encoding = encodingOf(req.headers['content-type']);
    const admission = encoding === undefined ? undefined : admit(budget);
    let answer: Answer;
    try {
      if (encoding === undefined) {
        throw new ExportRefusal(
          'unsupported',
          `unsupported content type '${String(req.headers['content-type'] ?? '')}': send application/x-protobuf or application/json`,
        );
      }
      if (admission === undefined)
        throw new ExportRefusal('retriable', 'the collector is at its concurrent request limit; retry later');
      answer = await exportTraces(req, encoding, admission);
    } catch (error) {
      answer = refusal(error, encoding ?? 'json');
    }
    send(req, res, answer);
    metrics.requests.inc({ status: String(answer.status) });
    metrics.requestDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    await admission?.release();
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === TRACES_PATH) {
      if (req.method !== 'POST') {
        send(req, res, refusal(new ExportRefusal('method_not_allowed', 'POST OTLP traces here'), 'json'));
        return;
      }
      active++;
      void handleExport(req, res).finally(() => {
        if (--active === 0) idle?.();
      });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      send(req, res, { status: 200, body: Buffer.from('ok\n'), contentType: 'text/plain' });
    } else if (req.method === 'GET' && path === '/readyz') {
      const ready = !shuttingDown && publisher.ready();
      send(req, res, {
        status: ready ? 200 : 503,
        body: Buffer.from(ready ? 'ready\n' : `not ready: ${publisher.destination} not verified reachable\n`),
        contentType: 'text/plain',
      });
    } else if (req.method === 'GET' && path === '/metrics') {
      metrics.inFlightBytes.set(budget.bytes);
      metrics.inFlightRequests.set(budget.requests);
      metrics.kafkaReady.set(publisher.ready() ? 1 : 0);
      send(req, res, {
        status: 200,
        body: Buffer.from(metrics.registry.render()),
        contentType: 'text/plain; version=0.0.4',
      });
    } else {
      send(req, res, { status: 404, body: Buffer.from('not found\n'), contentType: 'text/plain' });
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
