import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import {
  acceptedKeys,
  failsAt,
  formatReport,
  isReportFormat,
  loadAcceptedFindings,
  parseCommandArgs,
  REPORT_FORMATS,
  rulesFromEnv,
  type AcceptedFinding,
  type AcceptedKeys,
} from '../detectors/index.js';
import { SeveritySchema, errorMessage } from '../model/index.js';
import { defaultDataDir } from '../shim/index.js';
import { findHostConfigs, hostOfPath, readHostConfig, type HostConfig } from './host-configs.js';
import { scanFindings, type ScanFinding, type ServerScan } from './scan-findings.js';
import { probeServer } from './server-probe.js';
import { readPins, writePins } from './pin-file.js';

const USAGE = `Usage: mcptap scan [options] [CONFIG…]

Starts every MCP server named in the host configs (Claude Desktop, Claude Code, Cursor, Windsurf,
VS Code), lists its tools, prompts, resources and instructions, and checks them with every catalog
detector. Without CONFIG, the well-known config paths under --home and the project directory are used.
Nothing is sent anywhere: only the servers named in the configs are started (or, for "url", reached).

Options:
  --format ${REPORT_FORMATS.join('|')}  report format (default text)
  --output FILE           write the report to FILE instead of standard output
  --fail-on SEVERITY      exit 1 when a finding is at or above it (default medium)
  --home DIR              home directory whose host configs to find (default: yours)
  --project DIR           project directory for .mcp.json, .vscode/mcp.json, .cursor/mcp.json (default: .)
  --timeout MS            per server, to start and list (default 30000)
  --pins FILE             pinned catalogs; changes since are reported (default <data dir>/scan-pins.json)
  --frozen-pins           report drift but do not update the pin file
  --accept FILE           reviewed findings (YAML or JSON) not to report while their item is unchanged
  --accept-all-into FILE  write every current finding into FILE for review (fill in reason, accepted_by)
  --rules FILE            detector rule file (default MCPTAP_DETECTOR_RULES or the shipped rules)

Exit 0: nothing at or above --fail-on; 1: findings; 2: unusable input (unreadable config, no config found).`;

class InputError extends Error {}

function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? '0';
  } catch {
    return '0';
  }
}

function endpointOf(config: HostConfig['servers'][number]): string {
  const launch = config.launch;
  if (launch === null) return '';
  return launch.transport === 'stdio' ? [launch.command, ...launch.args].join(' ') : launch.url;
}

function acceptFileFor(findings: readonly ScanFinding[], now: string): string {
  const accepted: AcceptedFinding[] = findings.map((f) => ({
    rule: f.rule,
    server: f.server,
    item: f.item,
    item_hash: f.item_hash,
    reason: '',
    accepted_by: '',
    accepted_at: now,
  }));
  return (
    '# Findings of mcptap scan for review. Delete the ones you do not accept; fill in reason and\n' +
    '# accepted_by for the others. Each stays accepted while its item (tool, prompt …) is unchanged.\n' +
    toYaml({ accepted }, { lineWidth: 0 })
  );
}

export async function scanMain(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'scan',
    argv,
    {
      format: { type: 'string', default: 'text' },
      output: { type: 'string' },
      'fail-on': { type: 'string', default: 'medium' },
      home: { type: 'string' },
      project: { type: 'string' },
      timeout: { type: 'string', default: '30000' },
      pins: { type: 'string' },
      'frozen-pins': { type: 'boolean', default: false },
      accept: { type: 'string' },
      'accept-all-into': { type: 'string' },
      rules: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    USAGE,
  );
  if (parsed === null) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const failOn = SeveritySchema.safeParse(values['fail-on']);
  const timeoutMs = Number(values.timeout);
  if (!failOn.success || !isReportFormat(values.format) || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    console.error(
      `mcptap scan: --fail-on takes info|low|medium|high|critical, --format ${REPORT_FORMATS.join('|')}, --timeout a positive number of ms\n${USAGE}`,
    );
    return 2;
  }
  try {
    const rules = rulesFromEnv(values.rules);
    const accepted: AcceptedKeys =
      values.accept !== undefined ? acceptedKeys(loadAcceptedFindings(values.accept)) : new Set();
    const home = resolve(values.home ?? homedir());
    const targets =
      positionals.length > 0
        ? positionals.map((path) => ({ path: resolve(path), host: hostOfPath(resolve(path)) }))
        : findHostConfigs(home, resolve(values.project ?? '.'));
    if (targets.length === 0)
      throw new InputError(`no MCP host config found under ${home} or the project directory; name one`);
    const configs = targets.map((t) => readHostConfig(t.path, t.host));
    const pinsPath = resolve(values.pins ?? join(defaultDataDir(), 'scan-pins.json'));
    const previousPins = readPins(pinsPath);

    const servers: ServerScan[] = [];
    for (const config of configs) {
      for (const server of config.servers) {
        const result =
          server.launch === null
            ? { ok: false as const, error: `config entry ${server.problem ?? 'is unusable'}`, stderr: '' }
            : await probeServer(server.launch, timeoutMs);
        servers.push({
          config: config.path,
          host: config.host,
          name: server.name,
          line: server.line,
          endpoint: endpointOf(server),
          result,
        });
      }
    }
    const now = new Date().toISOString();
    const outcome = scanFindings(servers, rules, previousPins, accepted, now);
    if (!values['frozen-pins']) writePins(pinsPath, outcome.pins);
    if (values['accept-all-into'] !== undefined)
      writeFileSync(values['accept-all-into'], acceptFileFor(outcome.findings, now), { mode: 0o600 });

    const listed = servers.filter((s) => s.result.ok).length;
    outcome.report.notes.push(
      `${configs.length} config(s), ${servers.length} server(s): ${listed} listed, ${servers.length - listed} failed to start`,
    );
    const text = formatReport(outcome.report, values.format, packageVersion());
    if (values.output !== undefined) writeFileSync(values.output, text + '\n');
    else console.log(text);
    return failsAt(outcome.findings, failOn.data) ? 1 : 0;
  } catch (error) {
    console.error(`mcptap scan: ${errorMessage(error)}`);
    return 2;
  }
}
