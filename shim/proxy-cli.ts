import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { UserIdentity } from '../model/index.js';
import { ConfigError, envReference } from '../platform/env-config.js';
import { createLogger } from '../platform/log.js';
import { McpHostTelemetry } from './host-telemetry.js';
import { clientProcessSession, defaultProxySession } from './host-session.js';
import { peerProcess, type SocketEnds } from './peer-process.js';
import { startHttpProxy } from './proxy/http-proxy.js';
import { runStdioProxy } from './proxy/stdio-proxy.js';
import { sendProxyHeartbeat, type ProxyHeartbeat } from './proxy/proxy-heartbeat.js';
import { createTranscriptRecorder, type TranscriptRecorder } from './proxy/transcript-recorder.js';
import { exportFailureAdvice, type ExportTarget } from './export-failure-advice.js';
import { collectorTarget } from './local-endpoint.js';
import { SessionTurnFiles } from './session-turn-files.js';
import { readShimConfig, SHIM_ENV } from './shim-config.js';
import { startMcptap } from './start-mcptap.js';

const USAGE = `Usage:
  mcptap proxy --name NAME [options] -- COMMAND [ARGS...]      wrap a stdio MCP server
  mcptap proxy --name NAME --url URL --listen HOST:PORT [options]  front a Streamable HTTP server

Put it in the host's MCP config in place of the server command; everything passes through unchanged.

Options:
  --name NAME        the server's name in the host's config (required)
  --session ID       session id for the events (default: the host process that started the proxy,
                     so that every server of one host conversation shares it; behind --url, the
                     host process of each client on this machine, the same id, and for a client
                     it cannot tell apart, <random per proxy>/<its Mcp-Session-Id>; with --url and
                     --session ID, each MCP session the server opens is ID/<its Mcp-Session-Id>)
  --user ID          the user (or agent / service principal) the calls are made for (default
                     $MCPTAP_USER_ID, else the OS user running the proxy); the host's claim, kept
                     as such: the tenant always comes from the API key
  --team TEAM        the user's team (default $MCPTAP_TEAM)
  --record FILE      append the transcript (JSONL) to FILE, created private (0600), secrets masked
                     ([SECRET:<type>:<fingerprint>], which \`mcptap replay\` still alerts on)
  --record-unmasked  with --record: write secrets as they crossed the wire
  --collector URL    collector OTLP/HTTP base URL (default $MCPTAP_COLLECTOR_URL; with no collector
                     configured, the \`mcptap local\` of $MCPTAP_DATA_DIR, key from that directory)

Environment:
${envReference(Object.values(SHIM_ENV))}`;

/** The proxy's user: `--user`, else MCPTAP_USER_ID, else the OS user (none when it has no name). */
export function proxyUser(
  flags: { user?: string; team?: string },
  config: { userId: string; team: string },
  osUser: () => string = () => userInfo().username,
): UserIdentity | undefined {
  const team = flags.team ?? config.team;
  if (flags.user !== undefined && flags.user !== '')
    return { user_id: flags.user, team, user_source: 'proxy_flag' };
  if (config.userId !== '') return { user_id: config.userId, team, user_source: 'env' };
  let name = '';
  try {
    name = osUser();
  } catch {
    // A uid without a passwd entry (some containers): no user rather than no proxy.
  }
  return name === '' ? undefined : { user_id: name, team, user_source: 'os_user' };
}

/** Telemetry gets this long to leave at exit; the proxy never hangs on an unreachable collector. */
const SHUTDOWN_GRACE_MS = 2000;
/** How often a proxy tells `mcptap local` it is alive and what it dropped (`mcptap status`). */
const HEARTBEAT_INTERVAL_MS = 15_000;

function parseListen(text: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65535)
    throw new ConfigError(`--listen ${text}: expected HOST:PORT, e.g. 127.0.0.1:7000`);
  return { host: (match[1] ?? '').replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port };
}

function parseUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  throw new ConfigError(`--url ${text}: expected the server's http(s) MCP endpoint, e.g. https://host/mcp`);
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      session: { type: 'string' },
      user: { type: 'string' },
      team: { type: 'string' },
      record: { type: 'string' },
      'record-unmasked': { type: 'boolean' },
      collector: { type: 'string' },
      url: { type: 'string' },
      listen: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.error(USAGE);
    return 0;
  }
  const name = values.name;
  const httpMode = values.url !== undefined;
  if (
    name === undefined ||
    name === '' ||
    (httpMode ? values.listen === undefined : positionals.length === 0)
  ) {
    console.error(
      `mcptap proxy: ${name ? (httpMode ? '--listen HOST:PORT is required with --url' : 'no server command after --') : '--name is required'}\n\n${USAGE}`,
    );
    return 2;
  }
  if (values['record-unmasked'] && values.record === undefined) {
    console.error(`mcptap proxy: --record-unmasked needs --record FILE\n\n${USAGE}`);
    return 2;
  }
  let recorder: TranscriptRecorder | null;
  try {
    recorder =
      values.record === undefined
        ? null
        : createTranscriptRecorder(values.record, { unmasked: values['record-unmasked'] });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`mcptap proxy: ${error.message}`);
    return 2;
  }
  const config = readShimConfig();
  const upstream = httpMode ? parseUrl(values.url ?? '') : null;
  const listen = httpMode ? parseListen(values.listen ?? '') : null;
  const hostId = config.hostId || hostname();
  // Behind --url the proxy is started by hand, not by the host: its parent says nothing of the
  // conversation; each client is told apart by its own process, or else by its Mcp-Session-Id.
  const session = values.session ?? (httpMode ? randomUUID() : defaultProxySession(hostId));
  const log = createLogger('shim.proxy', { fields: { server: name, session } });

  const target = collectorTarget(config, values.collector);
  const exportTarget: ExportTarget =
    values.collector === undefined && !config.collectorConfigured
      ? { url: target.url, local: true, dataDir: config.dataDir }
      : { url: target.url, local: false };
  let failureReported = false;
  const mcptap = startMcptap({
    endpoint: target.url,
    apiKey: target.apiKey === '' ? undefined : target.apiKey,
    serviceName: 'mcptap-proxy',
    maxQueueSize: config.exportQueueSize,
    registerGlobal: false,
    onExportFailure: (failure) => {
      log.debug('export failed', { status: failure.status, code: failure.code, error: failure.message });
      // Once: the host shows server stderr in its logs, and one clear line beats a flood.
      if (failureReported) return;
      failureReported = true;
      process.stderr.write(`${exportFailureAdvice(name, exportTarget, failure)}\n`);
    },
  });
  const startedAt = new Date().toISOString();
  const heartbeat = (): Promise<void> => {
    if (!exportTarget.local) return Promise.resolve();
    const beat: ProxyHeartbeat = {
      server: name,
      session,
      host_id: hostId,
      pid: process.pid,
      started_at: startedAt,
      spans_dropped: mcptap.metrics.spansDropped.get(),
      spans_delivered: mcptap.metrics.spansExported.get({ outcome: 'ok' }),
    };
    return sendProxyHeartbeat(exportTarget.dataDir, target.apiKey, beat);
  };
  void heartbeat();
  const heartbeatTimer = setInterval(() => void heartbeat(), HEARTBEAT_INTERVAL_MS);
  heartbeatTimer.unref();
  const telemetry = new McpHostTelemetry({
    tracer: mcptap.tracer,
    metrics: mcptap.metrics,
    hostId,
    user: proxyUser(values, config),
    idleTurnGapMs: config.turnIdleMs,
    // The other proxies of the host (one per server) see the rest of the session's turns.
    sharedTurns: new SessionTurnFiles(join(config.dataDir, 'turns'), config.turnIdleMs),
    defaultSessionId: session,
    record: recorder === null ? undefined : (line) => recorder.write(line),
  });
  const endpoint = upstream?.href ?? positionals.join(' ');
  telemetry.registerServer(name, endpoint);

  let code: number;
  if (upstream !== null && listen !== null) {
    // Unless told otherwise, a client on this machine is the session of its host process, as with
    // the stdio proxies that host starts; clients it cannot tell apart that way, per MCP session.
    const clientSession =
      values.session === undefined
        ? async (ends: SocketEnds) => {
            const pid = await peerProcess(ends);
            return pid === undefined ? undefined : clientProcessSession(hostId, pid);
          }
        : undefined;
    const proxy = await startHttpProxy({
      upstream,
      ...listen,
      server: name,
      session,
      clientSession,
      telemetry,
    });
    log.info('proxy listening', {
      listen: `${proxy.address.address}:${proxy.address.port}`,
      upstream: upstream.origin,
    });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await proxy.close();
    code = 0;
  } else {
    const [command = '', ...args] = positionals;
    code = await runStdioProxy({ command, args, server: name, session, telemetry });
    process.stdin.destroy();
  }

  telemetry.flush();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
  clearInterval(heartbeatTimer);
  await Promise.race([Promise.allSettled([mcptap.shutdown(), recorder?.close()]), timeout]);
  await heartbeat();
  log.info('proxy stopped', {
    exit_code: code,
    spans_delivered: mcptap.metrics.spansExported.get({ outcome: 'ok' }),
    spans_dropped: mcptap.metrics.spansDropped.get(),
    lines_dropped: mcptap.metrics.linesDropped.get(),
    transcript_lines_dropped: recorder?.dropped() ?? 0,
  });
  return code;
}
