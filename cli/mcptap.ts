import { errorMessage } from '../model/index.js';
/**
 * The `mcptap` command. Each subcommand lives with its component and is loaded only when used,
 * so `mcptap proxy` never loads the collector, the store or the embedded engine.
 */

export type CommandMain = (argv: string[]) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<CommandMain>;
}

const COMMANDS: Record<string, CommandEntry> = {
  proxy: {
    summary: 'wrap a stdio MCP server or front an HTTP one, emitting telemetry (shim)',
    load: async () => (await import('../shim/proxy-cli.js')).main,
  },
  collector: {
    summary: 'OTLP/HTTP receiver: authenticate hosts, normalise spans, produce events to Kafka',
    load: async () => (await import('../collector/index.js')).collectorMain,
  },
  detectors: {
    summary: 'streaming anomaly detectors on Kafka, alerts to Alertmanager and the alerts topic',
    load: async () => (await import('../detectors/index.js')).detectorsMain,
  },
  'lint-catalog': {
    summary: 'lint an MCP tools/list catalog offline (or --baseline OLD NEW for drift)',
    load: async () => (await import('../detectors/index.js')).lintCatalogMain,
  },
  scan: {
    summary:
      'start every MCP server in the host configs (Claude, Cursor, VS Code, Windsurf) and check its catalog; CI formats',
    load: async () => (await import('../scan/index.js')).scanMain,
  },
  replay: {
    summary: 'run a session transcript (JSONL) through extraction and every detector',
    load: async () => (await import('../detectors/index.js')).replayMain,
  },
  sink: {
    summary: 'Kafka → ClickHouse sink: store every event, prompt and alert',
    load: async () => (await import('../storage/index.js')).sinkMain,
  },
  migrate: {
    summary: 'create or migrate the ClickHouse schema',
    load: async () => (await import('../storage/index.js')).migrateMain,
  },
  session: {
    summary:
      "print one session's forensic timeline from the store (mcptap local's unless MCPTAP_CLICKHOUSE_URL)",
    load: async () =>
      process.env.MCPTAP_CLICKHOUSE_URL
        ? (await import('../storage/index.js')).sessionMain
        : (await import('../local/index.js')).sessionMain,
  },
  local: {
    summary: 'everything in one process for one developer: OTLP endpoint, detectors, embedded store',
    load: async () => (await import('../local/index.js')).localMain,
  },
  alerts: {
    summary: 'recent alerts from the store, filtered by rule, severity, server or session',
    load: async () => (await import('../local/index.js')).alertsMain,
  },
  servers: {
    summary:
      'the servers seen across the fleet: versions, hosts, catalog hashes, approval against the server policy (--format json)',
    load: async () => (await import('../local/index.js')).serversMain,
  },
  policy: {
    summary: 'policy pin: write an approved-server policy entry from what the store has seen',
    load: async () => (await import('../local/index.js')).policyMain,
  },
  sessions: {
    summary:
      'recent sessions from the store: id, start, host, servers, events, alerts (--search, --format json)',
    load: async () => (await import('../console/index.js')).sessionsMain,
  },
  console: {
    summary: 'read-only forensic web console on the ClickHouse server (mcptap local serves its own)',
    load: async () => (await import('../console/index.js')).consoleMain,
  },
  status: {
    summary: 'what mcptap local is watching: servers, sessions, events, alerts',
    load: async () => (await import('../local/index.js')).statusMain,
  },
  audit: {
    summary: 'tamper-evident log: keygen, and verify the stored rows against their signed checkpoints',
    load: async () => (await import('../audit/index.js')).auditMain,
  },
  dashboards: {
    summary: 'build the Grafana dashboards (JSON) from code',
    load: async () => (await import('../dashboards/index.js')).dashboardsMain,
  },
  demo: {
    summary: 'run the whole pipeline against real MCP servers and scripted attacks',
    load: async () => (await import('../demo/index.js')).demoMain,
  },
  infra: {
    summary: 'start, stop or show the local Kafka, ClickHouse and Alertmanager (start|stop|status)',
    load: async () => (await import('./infra-command.js')).main,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return [
    'mcptap — runtime telemetry, anomaly detection and forensics for MCP tools',
    '',
    'Usage: mcptap <command> [options]     (mcptap <command> --help for its options)',
    '',
    'Commands:',
    ...lines,
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    console.error(`mcptap: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const main = await entry.load();
  return main(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`mcptap: ${errorMessage(error)}`);
    process.exitCode = 1;
  },
);
