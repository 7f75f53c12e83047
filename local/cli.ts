import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultDataDir, localApiKey } from '../shim/index.js';
import { alertFilter } from './alert-filter.js';
import { formatAlertLine } from './alert-line.js';
import { DataDirLockedError } from './data-dir-lock.js';
import { controlGet, remoteQueries, runningLocal } from './local-client.js';
import type { LocalQueries } from './local-queries.js';
import { formatProxyLines, formatStatusLine } from './local-stats.js';
import type { LocalStatus } from './start-local.js';
import { localSettingsFromEnv } from './local-config.js';
import {
  approvalOf,
  rulesFromEnv,
  loadServerPolicy,
  pinServer,
  RULES_ENV,
  SERVER_POLICY_ENV,
  TRUST_LEVELS,
  type ApprovalState,
  type ServerPolicy,
} from '../detectors/index.js';
import type { ServerInventoryRow } from '../storage/index.js';
import { errorMessage } from '../model/index.js';

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
      `mcptap ${command}: ${errorMessage(error)}: another mcptap local or a collector listens there; ` +
        `stop it or give --listen HOST:PORT (hosts find the new port in the data directory)`,
    );
    return 1;
  }
  console.error(`mcptap ${command}: ${errorMessage(error)}`);
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
    console.error(`mcptap local: ${errorMessage(error)}\n\n${usage()}`);
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
      engine: settings.engine,
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
 * A listing command's read of the store (`alerts`, `servers`, `sessions`): what it prints, and one set
 * of exit codes — 1 when nothing is stored or the read failed, 2 when a tenant must be named, 3 when
 * the data directory is locked.
 */
export async function listStored<T>(
  command: string,
  dataDir: string,
  read: (queries: LocalQueries) => Promise<T>,
  print: (rows: T) => void,
): Promise<number> {
  try {
    const rows = await withQueries(dataDir, `mcptap ${command}`, read);
    if (rows === undefined) {
      console.error(`mcptap ${command}: nothing stored in ${dataDir} yet (start \`mcptap local\`)`);
      return 1;
    }
    print(rows);
    return 0;
  } catch (error) {
    return fail(command, error);
  }
}

/**
 * The store to read: a ClickHouse server when MCPTAP_CLICKHOUSE_URL is set, else the data
 * directory's — through the running `mcptap local`, or opened here when none runs.
 */
async function withQueries<T>(
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

const ALERTS_USAGE = `Usage: mcptap alerts [--rule RULE] [--severity MIN] [--server NAME] [--session ID] [--user ID]
                     [--tenant T] [--limit N] [--format text|json] [--data DIR]

Recent alerts, newest last, from the store of \`mcptap local\` (DIR, default ${defaultDataDir()}), or
from the ClickHouse server at $${CLICKHOUSE_URL} when it is set. --severity keeps that level and above;
--user keeps the alerts raised on calls made for that user (as the host named them).
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
      user: { type: 'string' },
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
    console.error(`mcptap alerts: ${errorMessage(error)}`);
    return 2;
  }
  return listStored(
    'alerts',
    values.data ?? defaultDataDir(),
    (q) => q.alerts(filter),
    (alerts) => {
      if (values.format === 'json') console.log(JSON.stringify(alerts, null, 2));
      else if (alerts.length === 0) console.error('no alerts match');
      else for (const alert of [...alerts].reverse()) console.log(formatAlertLine(alert));
    },
  );
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

const SERVERS_USAGE = `Usage: mcptap servers [--tenant T] [--policy FILE] [--format text|json] [--data DIR]

The servers seen across the fleet — name, identity, versions, hosts, first and last seen, latest catalog
hash per kind — and where each stands against the approved-server policy (approval, trust level): the
policy of --policy FILE, else $${SERVER_POLICY_ENV.name}, else the one the rule file names
(server_policy.path in $${RULES_ENV.name}).
From the store of \`mcptap local\` (DIR, default ${defaultDataDir()}), or from the ClickHouse server at
$${CLICKHOUSE_URL} when it is set.`;

export async function serversMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...READ_OPTIONS, tenant: { type: 'string' }, policy: { type: 'string' } },
  });
  if (values.help) {
    console.log(SERVERS_USAGE);
    return 0;
  }
  if (values.format !== 'text' && values.format !== 'json') {
    console.error(`mcptap servers: --format must be text or json\n\n${SERVERS_USAGE}`);
    return 2;
  }
  let policy: ServerPolicy | null;
  try {
    policy =
      values.policy !== undefined
        ? loadServerPolicy(values.policy, '--policy')
        : rulesFromEnv(localSettingsFromEnv().rulesPath || undefined).serverPolicy;
  } catch (error) {
    console.error(`mcptap servers: ${errorMessage(error)}`);
    return 2;
  }
  const dataDir = values.data ?? defaultDataDir();
  return listStored(
    'servers',
    dataDir,
    (q) => q.servers(values.tenant),
    (servers) => {
      const rows = servers.map((s) => ({ ...s, ...approvalOf(policy, s) }));
      if (values.format === 'json') console.log(JSON.stringify(rows, null, 2));
      else if (rows.length === 0) console.error('no servers seen');
      else for (const row of rows) console.log(formatServerLine(row));
    },
  );
}

function formatServerLine(row: ServerInventoryRow & { approval: ApprovalState; trust: string }): string {
  const catalogs = Object.entries(row.catalogs).map(([kind, hash]) => `${kind} ${hash.slice(0, 12)}`);
  return [
    `${row.server_name} (${row.server_id.slice(0, 16) || 'no id'})`,
    `${row.approval}${row.trust === '' ? '' : ` ${row.trust}`}`,
    `versions ${row.versions.join(', ') || '-'}`,
    `${row.host_count} host${row.host_count === 1 ? '' : 's'} (${row.hosts.join(', ')})`,
    `catalogs ${catalogs.join(', ') || '-'}`,
    `${new Date(row.first_seen_ms).toISOString()} → ${new Date(row.last_seen_ms).toISOString()}`,
  ].join('  ');
}

const POLICY_USAGE = `Usage: mcptap policy pin --server NAME --trust first_party|vetted|community --policy FILE
                         [--tenant T] [--data DIR]

Writes (or replaces) the entry of server NAME in the approved-server policy FILE from what the store
has seen: every version seen and its latest catalog hash per kind. FILE is created when missing
(comments of an existing file are not kept). Point $${SERVER_POLICY_ENV.name} (or server_policy.path of
the rule file) at it; a running mcptap local or mcptap detectors reloads it on change.
From the store of \`mcptap local\` (DIR, default ${defaultDataDir()}), or from the ClickHouse server at
$${CLICKHOUSE_URL} when it is set.`;

export async function policyMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      server: { type: 'string' },
      trust: { type: 'string' },
      policy: { type: 'string' },
      tenant: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(POLICY_USAGE);
    return 0;
  }
  const trust = TRUST_LEVELS.find((t) => t === values.trust);
  if (positionals[0] !== 'pin' || !values.server || !values.policy || trust === undefined) {
    console.error(`mcptap policy: give pin --server, --trust and --policy\n\n${POLICY_USAGE}`);
    return 2;
  }
  const dataDir = values.data ?? defaultDataDir();
  try {
    const servers = await withQueries(dataDir, 'mcptap policy pin', (q) => q.servers(values.tenant));
    const seen = (servers ?? []).filter((s) => s.server_name === values.server);
    if (seen.length === 0) {
      console.error(`mcptap policy: no server '${values.server}' in the store (see mcptap servers)`);
      return 1;
    }
    const latest = [...seen].sort((a, b) => b.last_seen_ms - a.last_seen_ms)[0]!;
    const pin = {
      name: values.server,
      trust,
      versions: [...new Set(seen.flatMap((s) => s.versions))].sort(),
      catalogs: latest.catalogs,
    };
    const existing = existsSync(values.policy) ? readFileSync(values.policy, 'utf8') : undefined;
    writeFileSync(values.policy, pinServer(existing, pin, values.policy));
    console.log(
      `pinned ${pin.name} (${trust}) in ${values.policy}: versions ${pin.versions.join(', ') || 'any'}; catalogs ${
        Object.entries(pin.catalogs)
          .map(([kind, hash]) => `${kind} ${hash.slice(0, 12)}`)
          .join(', ') || 'none seen'
      }`,
    );
    return 0;
  } catch (error) {
    return fail('policy', error);
  }
}
