import { parseArgs } from 'node:util';
import { defaultDataDir, localApiKey } from '../shim/index.js';
import { alertFilter } from './alert-filter.js';
import { formatAlertLine } from './alert-line.js';
import { DataDirLockedError } from './data-dir-lock.js';
import { controlGet, remoteQueries, runningLocal } from './local-client.js';
import type { LocalQueries } from './local-queries.js';
import { formatProxyLines, formatStatusLine } from './local-stats.js';
import type { LocalStatus } from './start-local.js';

/**
 * `mcptap local`, and the commands that read what it stored: `alerts`, `session`, `status`. The
 * read commands load the store and the engine only when they open the data directory themselves.
 */

const CLICKHOUSE_URL = 'MCPTAP_CLICKHOUSE_URL';

const localUsage = (
  envTable: string,
) => `Usage: mcptap local [--data DIR] [--listen HOST:PORT] [--rules FILE] [--alertmanager URL] [--webhook URL]

Runs the whole of mcptap in this process for one developer: an OTLP/HTTP endpoint on loopback, every
detector, and the store (embedded ClickHouse) in DIR. Alerts print here as they fire. Hosts need no
configuration: \`mcptap proxy --name NAME -- COMMAND\` finds this endpoint and its key in DIR.
Read what was stored with \`mcptap alerts\`, \`mcptap session ID\` and \`mcptap status\`.

Environment (flags win):
${envTable}`;

const READ_OPTIONS = {
  data: { type: 'string' },
  format: { type: 'string', default: 'text' },
  help: { type: 'boolean', short: 'h' },
} as const;

function fail(command: string, error: unknown): number {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `mcptap ${command}: ${(error as Error).message}: another mcptap local or a collector listens there; ` +
        `stop it or give --listen HOST:PORT (hosts find the new port in the data directory)`,
    );
    return 1;
  }
  console.error(`mcptap ${command}: ${error instanceof Error ? error.message : String(error)}`);
  // By name: the store's modules load only when a command opens a store.
  if (error instanceof Error && error.name === 'TenantRequiredError') return 2;
  return error instanceof DataDirLockedError ? 3 : 1;
}

/** Fails now, before the store is opened (which takes seconds), when the listen port is taken. */
async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const { createServer } = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function localMain(argv: string[]): Promise<number> {
  const [
    { LOCAL_ENV_TABLE, localSettingsFromEnv },
    { startLocal },
    { createLogger, envReference, LOG_FORMAT_ENV, logFormatFromEnv, parseListen },
    { alertLinksFromEnv },
  ] = await Promise.all([
    import('./local-config.js'),
    import('./start-local.js'),
    import('../platform/index.js'),
    import('../detectors/index.js'),
  ]);
  const usage = () => localUsage(envReference(LOCAL_ENV_TABLE));
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        listen: { type: 'string' },
        rules: { type: 'string' },
        alertmanager: { type: 'string' },
        webhook: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`mcptap local: ${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    console.log(usage());
    return 0;
  }
  const settings = localSettingsFromEnv();
  const dataDir = values.data ?? defaultDataDir();
  // A person reads this terminal: readable log lines unless MCPTAP_LOG_FORMAT=json, for every
  // logger of the process (the collector's and the store thread's too).
  process.env[LOG_FORMAT_ENV.name] = logFormatFromEnv(process.env, 'text');
  const logger = createLogger('local');
  let local;
  try {
    const listen = values.listen ?? settings.listen;
    const listenAt = parseListen(listen, '--listen');
    await assertCanListen(listenAt.host, listenAt.port);
    local = await startLocal({
      dataDir,
      listen,
      rulesPath: values.rules ?? settings.rulesPath,
      alertmanagerUrl: values.alertmanager ?? settings.alertmanagerUrl,
      // Alerts link to this process's console (MCPTAP_LOCAL_CONSOLE_LISTEN) unless MCPTAP_CONSOLE_URL says otherwise.
      alertLinks: alertLinksFromEnv(
        process.env,
        settings.consoleListen === null
          ? ''
          : `http://${settings.consoleListen.host}:${settings.consoleListen.port}`,
      ),
      webhookUrl: values.webhook ?? settings.webhookUrl,
      ocsfWebhookUrl: settings.ocsfWebhookUrl,
      queue: settings.queue,
      tickIntervalMs: settings.tickIntervalMs,
      alertResendMs: settings.alertResendMs,
      consoleListen: settings.consoleListen,
      onAlert: (alert) => console.log(formatAlertLine(alert)),
      logger,
    });
  } catch (error) {
    return fail('local', error);
  }
  console.error(
    `mcptap local: OTLP/HTTP on ${local.url}, data in ${dataDir}\n` +
      `  hosts: put \`mcptap proxy --name NAME -- COMMAND ARGS\` in place of a server's command; nothing else to set\n` +
      `  alerts print below; \`mcptap status\`, \`mcptap alerts\`, \`mcptap sessions\`, \`mcptap session ID\` read the store; Ctrl-C stops` +
      (local.consoleUrl === undefined ? '' : `\n  forensic console: ${local.consoleUrl}/`),
  );
  let lastLine = '';
  const statusTimer =
    settings.statusEveryS > 0
      ? setInterval(() => {
          const line = formatStatusLine(local.stats());
          if (line !== lastLine) console.error(line);
          lastLine = line;
        }, settings.statusEveryS * 1000)
      : undefined;
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(statusTimer);
  console.error(`mcptap local: stopping (${formatStatusLine(local.stats())})`);
  await local.close();
  return 0;
}

/**
 * The store to read: a ClickHouse server when MCPTAP_CLICKHOUSE_URL is set, else the data
 * directory's — through the running `mcptap local`, or opened here when none runs.
 */
export async function withQueries<T>(
  dataDir: string,
  purpose: string,
  read: (queries: LocalQueries, where: string) => Promise<T>,
): Promise<T | undefined> {
  if (process.env[CLICKHOUSE_URL]) {
    const { openStore, storageSettingsFromEnv } = await import('../storage/index.js');
    const { storeQueries } = await import('./local-queries.js');
    const store = await openStore(storageSettingsFromEnv().clickhouse);
    try {
      return await read(storeQueries(store), store.database);
    } finally {
      await store.client.close();
    }
  }
  const running = runningLocal(dataDir);
  if (running !== undefined) return read(remoteQueries(dataDir, running), dataDir);
  const { openLocalStore } = await import('./start-local.js');
  const { storeQueries } = await import('./local-queries.js');
  const opened = await openLocalStore(dataDir, purpose);
  if (opened === undefined) return undefined;
  try {
    return await read(storeQueries(opened.store), dataDir);
  } finally {
    await opened.close();
  }
}

const ALERTS_USAGE = `Usage: mcptap alerts [--rule RULE] [--severity MIN] [--server NAME] [--session ID] [--tenant T]
                     [--limit N] [--format text|json] [--data DIR]

Recent alerts, newest last, from the store of \`mcptap local\` (DIR, default ${defaultDataDir()}), or
from the ClickHouse server at $${CLICKHOUSE_URL} when it is set. --severity keeps that level and above.
--tenant is required when the store holds more than one tenant.`;

export async function alertsMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...READ_OPTIONS,
      rule: { type: 'string' },
      severity: { type: 'string' },
      server: { type: 'string' },
      session: { type: 'string' },
      tenant: { type: 'string' },
      limit: { type: 'string', default: '50' },
    },
  });
  if (values.help) {
    console.log(ALERTS_USAGE);
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') {
    console.error(`mcptap alerts: --format must be text or json\n\n${ALERTS_USAGE}`);
    return 2;
  }
  let filter;
  try {
    filter = alertFilter(values);
  } catch (error) {
    console.error(`mcptap alerts: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const dataDir = values.data ?? defaultDataDir();
  try {
    const alerts = await withQueries(dataDir, 'mcptap alerts', (q) => q.alerts(filter));
    if (alerts === undefined) {
      console.error(`mcptap alerts: nothing stored in ${dataDir} yet (start \`mcptap local\`)`);
      return 1;
    }
    if (values.format === 'json') console.log(JSON.stringify(alerts, null, 2));
    else if (alerts.length === 0) console.error('no alerts match');
    else for (const alert of [...alerts].reverse()) console.log(formatAlertLine(alert));
    return 0;
  } catch (error) {
    return fail('alerts', error);
  }
}

const SESSION_USAGE = `Usage: mcptap session <session-id> [--tenant T] [--format text|json] [--data DIR]

Prints every stored event and alert of the session in time order, from the store of \`mcptap local\`
(DIR, default ${defaultDataDir()}), or from the ClickHouse server at $${CLICKHOUSE_URL} when it is set.
--tenant is required when the store holds more than one tenant.`;

/** `mcptap session` without MCPTAP_CLICKHOUSE_URL (with it, cli/mcptap.ts runs storage's). */
export async function sessionMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...READ_OPTIONS, tenant: { type: 'string' } },
  });
  const [sessionId] = positionals;
  if (values.help || sessionId === undefined || positionals.length > 1) {
    console.log(SESSION_USAGE);
    return values.help ? 0 : 2;
  }
  if (values.format !== 'text' && values.format !== 'json') {
    console.error(`mcptap session: --format must be text or json, not '${values.format}'`);
    return 2;
  }
  const dataDir = values.data ?? defaultDataDir();
  try {
    const entries = await withQueries(dataDir, 'mcptap session', (q) =>
      q.session({ sessionId, ...(values.tenant === undefined ? {} : { tenant: values.tenant }) }),
    );
    if (values.format === 'json') {
      console.log(
        JSON.stringify(
          (entries ?? []).map((e) => ({ table: e.table, time_ms: e.time_ms, ...e.record })),
          null,
          2,
        ),
      );
      return 0;
    }
    if (entries === undefined || entries.length === 0) {
      console.error(`no events stored for session ${JSON.stringify(sessionId)} in ${dataDir}`);
      return 1;
    }
    const { formatTimeline } = await import('../storage/index.js');
    console.log(formatTimeline(entries));
    return 0;
  } catch (error) {
    return fail('session', error);
  }
}

export async function statusMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: READ_OPTIONS });
  if (values.help) {
    console.log(
      `Usage: mcptap status [--format text|json] [--data DIR]\n\nWhat \`mcptap local\` on DIR (default ${defaultDataDir()}) ` +
        `watches: servers, sessions, events and alerts since it started and in its store, and the proxies heard from ` +
        `in the last 15 minutes (server, session, host, last contact, events received, spans they dropped). ` +
        `Exit 0 when it runs, 1 when not.`,
    );
    return 0;
  }
  const dataDir = values.data ?? defaultDataDir();
  const running = runningLocal(dataDir);
  if (running === undefined) {
    if (values.format === 'json') console.log(JSON.stringify({ running: false, data_dir: dataDir }));
    else console.log(`mcptap local is not running on ${dataDir} (start it with \`mcptap local\`)`);
    return 1;
  }
  try {
    const status = await controlGet<LocalStatus>(running, localApiKey(dataDir), '/status');
    if (values.format === 'json') {
      console.log(JSON.stringify({ running: true, ...status }, null, 2));
      return 0;
    }
    const s = status.stored;
    console.log(
      [
        `mcptap local (pid ${status.pid}) on ${status.url}, data in ${status.data_dir}, since ${status.since_start.started_at}`,
        `  now:    ${formatStatusLine(status.since_start)}`,
        `  stored: ${s.events.toLocaleString('en-US')} events · ${s.sessions} sessions · ${s.servers.length} servers · ${s.firing_alerts} firing alerts`,
        `  queue:  ${status.queue.events} events (${status.queue.bytes} bytes) waiting for the store`,
        ...formatProxyLines(status.since_start.proxies ?? [], Date.now()),
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    return fail('status', error);
  }
}
