import type { IncomingMessage } from 'node:http';
import { createGunzip, type Gunzip } from 'node:zlib';
import { ExportRefusal } from './export-errors.js';

/**
 * Reads a request body into one Buffer, inflating gzip as it streams. Both the bytes received and
 * the bytes inflated are counted as they arrive: a body over the limit, or a gzip bomb, is refused
 * when it crosses the limit, never read or inflated in full. Failures are ExportRefusals: 400 for bad
 * gzip or an aborted body, 413 too large, 503 when the in-flight memory budget has no room.
 */

export interface ReadBodyOptions {
  gzip: boolean;
  /** Limit on the body as received and, for gzip, as inflated. */
  maxBytes: number;
  /** Called with each chunk's size before it is kept; returning false refuses the body (503). */
  reserve: (bytes: number) => boolean;
}

export function readRequestBody(req: IncomingMessage, options: ReadBodyOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let kept = 0;
    let settled = false;
    let gunzip: Gunzip | undefined;

    const fail = (error: ExportRefusal) => {
      if (settled) return;
      settled = true;
      req.pause();
      req.removeListener('data', onRequestData);
      gunzip?.destroy();
      reject(error);
    };
    const keep = (chunk: Buffer) => {
      if (settled) return;
      kept += chunk.length;
      if (kept > options.maxBytes) {
        const what = gunzip ? 'inflated body' : 'body';
        return fail(
          new ExportRefusal(
            'too_large',
            `the ${what} exceeds the collector's limit of ${options.maxBytes} bytes; send smaller batches`,
          ),
        );
      }
      if (!options.reserve(chunk.length)) {
        return fail(
          new ExportRefusal('retriable', 'the collector is at its in-flight memory limit; retry later'),
        );
      }
      chunks.push(chunk);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, kept));
    };
    function onRequestData(chunk: Buffer) {
      received += chunk.length;
      if (received > options.maxBytes) {
        return fail(
          new ExportRefusal(
            'too_large',
            `the body exceeds the collector's limit of ${options.maxBytes} bytes; send smaller batches`,
          ),
        );
      }
      if (gunzip === undefined) return keep(chunk);
      if (!gunzip.write(chunk)) {
        req.pause();
        gunzip.once('drain', () => req.resume());
      }
    }

    if (options.gzip) {
      gunzip = createGunzip();
      gunzip.on('data', keep);
      gunzip.on('end', finish);
      gunzip.on('error', (error) =>
        fail(new ExportRefusal('invalid', `the body is not valid gzip: ${error.message}`)),
      );
    }
    req.on('data', onRequestData);
    req.on('end', () => (gunzip ? gunzip.end() : finish()));
    req.on('error', () => fail(new ExportRefusal('invalid', 'the request body was aborted')));
    req.on('close', () => {
      if (!req.complete) fail(new ExportRefusal('invalid', 'the request body was aborted'));
    });
  });
}
