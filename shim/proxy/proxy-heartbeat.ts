import { readFile } from 'node:fs/promises';
import { localEndpointPath } from '../local-endpoint.js';
import { z } from 'zod';
import { API_KEY_HEADER } from '../start-mcptap.js';

const count = z.number().int().nonnegative();

/** What a proxy tells `mcptap local` about itself (POST /proxies on its control API). */
export const proxyHeartbeatSchema = z.object({
  server: z.string().min(1).max(256),
  session: z.string().min(1).max(256),
  host_id: z.string().max(256),
  pid: count,
  started_at: z.string().max(64),
  spans_dropped: count,
  /** Spans the collector acknowledged. */
  spans_delivered: count,
});
export type ProxyHeartbeat = z.infer<typeof proxyHeartbeatSchema>;

export const PROXY_HEARTBEAT_PATH = '/proxies';
const HEARTBEAT_TIMEOUT_MS = 1000;

/**
 * Sends one heartbeat to the `mcptap local` running on `dataDir`, if any. Best effort: a local that
 * is away, or refuses the key, is already reported by the export path.
 */
export async function sendProxyHeartbeat(
  dataDir: string,
  apiKey: string,
  beat: ProxyHeartbeat,
): Promise<void> {
  try {
    const endpoint = JSON.parse(await readFile(localEndpointPath(dataDir), 'utf8')) as {
      controlUrl?: unknown;
    };
    if (typeof endpoint.controlUrl !== 'string') return;
    await fetch(`${endpoint.controlUrl}${PROXY_HEARTBEAT_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [API_KEY_HEADER]: apiKey },
      body: JSON.stringify(beat),
      signal: AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS),
    });
  } catch {
    // no local running, or it went away: nothing to tell
  }
}
