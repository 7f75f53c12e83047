// Webhook recorder: the receiver that the local Alertmanager notifies, so that tests and the demo can
// see what Alertmanager sent. Started by scripts/infra.sh as
//
//   node --import tsx scripts/infra/webhook-recorder.ts --data-dir DIR
//
// Environment: MCPTAP_WEBHOOK_PORT (default 19095), MCPTAP_WEBHOOK_MAX_ENTRIES (in-memory bound, default
// 10000). With --data-dir, every notification is also appended to DIR/notifications.jsonl.
//
//   POST   /<any path>                 record the JSON body with its receive time
//   GET    /notifications[?since=ms]   the recorded entries, oldest first (receivedAt >= since)
//   DELETE /notifications              forget the in-memory entries (the JSONL file is kept)
//   GET    /healthz                    {"ok":true,...}
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 1024 * 1024;

export interface RecordedNotification {
  /** Milliseconds since the epoch when the recorder received the request. */
  receivedAt: number;
  /** Sequence number, increasing across the life of the process (survives DELETE). */
  seq: number;
  method: string;
  path: string;
  body: unknown;
}

interface RecorderConfig {
  port: number;
  dataDir: string | undefined;
  maxEntries: number;
}

function readConfig(argv: string[], env: NodeJS.ProcessEnv): RecorderConfig {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' } } });
  const port = Number(env.MCPTAP_WEBHOOK_PORT ?? '19095');
  // 0 picks a free port (tests of the recorder itself); the chosen one is printed on start.
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`MCPTAP_WEBHOOK_PORT must be a TCP port, got ${env.MCPTAP_WEBHOOK_PORT}`);
  }
  const maxEntries = Number(env.MCPTAP_WEBHOOK_MAX_ENTRIES ?? '10000');
  if (!Number.isInteger(maxEntries) || maxEntries <= 0) {
    throw new Error(
      `MCPTAP_WEBHOOK_MAX_ENTRIES must be a positive integer, got ${env.MCPTAP_WEBHOOK_MAX_ENTRIES}`,
    );
  }
  const dataDir = values['data-dir'] === '' ? undefined : values['data-dir'];
  return { port, dataDir, maxEntries };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const payload = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function startRecorder(config: RecorderConfig): void {
  const entries: RecordedNotification[] = [];
  let seq = 0;
  let journal: WriteStream | undefined;
  if (config.dataDir !== undefined) {
    mkdirSync(config.dataDir, { recursive: true });
    journal = createWriteStream(join(config.dataDir, 'notifications.jsonl'), { flags: 'a' });
    journal.on('error', (error) => console.error(`webhook-recorder: journal write failed: ${error.message}`));
  }

  async function record(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    let text: string;
    try {
      text = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(res, 413, { error: error.message });
      throw error;
    }
    let body: unknown;
    try {
      body = text.length === 0 ? null : JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    seq += 1;
    const entry: RecordedNotification = {
      receivedAt: Date.now(),
      seq,
      method: req.method ?? 'POST',
      path,
      body,
    };
    entries.push(entry);
    if (entries.length > config.maxEntries) entries.splice(0, entries.length - config.maxEntries);
    journal?.write(`${JSON.stringify(entry)}\n`);
    sendJson(res, 200, { recorded: seq });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    if (route === 'GET /healthz') {
      return sendJson(res, 200, { ok: true, entries: entries.length, lastSeq: seq });
    }
    if (route === 'GET /notifications') {
      const sinceParam = url.searchParams.get('since');
      const since = sinceParam === null ? 0 : Number(sinceParam);
      if (!Number.isFinite(since)) return sendJson(res, 400, { error: `since must be ms since the epoch` });
      return sendJson(
        res,
        200,
        entries.filter((e) => e.receivedAt >= since),
      );
    }
    if (route === 'DELETE /notifications') {
      const cleared = entries.length;
      entries.length = 0;
      return sendJson(res, 200, { cleared });
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      record(req, res, url.pathname).catch((error: unknown) => {
        console.error(`webhook-recorder: ${route} failed: ${String(error)}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      });
      return;
    }
    sendJson(res, 404, { error: `no route for ${route}` });
  });

  server.on('error', (error) => {
    console.error(`webhook-recorder: cannot listen on ${HOST}:${config.port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(config.port, HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    console.log(`webhook-recorder listening on http://${HOST}:${port} (max ${config.maxEntries} entries)`);
  });

  const shutdown = (signal: string): void => {
    console.log(`webhook-recorder: ${signal}, closing`);
    server.close();
    server.closeAllConnections();
    if (journal) journal.end(() => process.exit(0));
    else process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

startRecorder(readConfig(process.argv.slice(2), process.env));
