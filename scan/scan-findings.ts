import { z } from 'zod';
import {
  ALL_DETECTORS,
  acceptedKey,
  catalogItemHash,
  DetectorEngine,
  INSTRUCTIONS_ITEM,
  LINT_RULES,
  MemoryStateStore,
  UNAVAILABLE,
  type AcceptedKeys,
  type DetectorRules,
  type Report,
  type ReportFinding,
  type ReportSuite,
} from '../detectors/index.js';
import { canonicalHash, CatalogKindSchema, type Alert, type CatalogEvent } from '../model/index.js';
import { maskSecrets } from '../secrets/index.js';
import { catalogEvents } from './catalog-events.js';
import type { HostName } from './host-configs.js';
import type { ProbeResult, ServerCatalog } from './server-probe.js';

/**
 * The pure core of `mcptap scan`: what the servers of each config listed, run through every
 * catalog detector (the live detectors' code, over catalog events as a host would record them),
 * compared with the pinned catalogs, with reviewed findings set aside.
 */

export interface ServerScan {
  config: string;
  host: HostName;
  name: string;
  line: number;
  /** Command line or URL. */
  endpoint: string;
  result: ProbeResult;
}

export interface ScanFinding extends ReportFinding {
  /** `tools`, `prompts`, `resources`, `instructions`, or `server` for a server-level finding. */
  kind: string;
  /** `catalogItemHash` of the item the finding is on: what an acceptance is bound to. */
  item_hash: string;
}

const PinnedServerSchema = z.object({
  server_version: z.string(),
  catalogs: z.partialRecord(CatalogKindSchema, z.array(z.record(z.string(), z.unknown()))),
  instructions: z.string().default(''),
  pinned_at: z.string(),
});
export const PinFileSchema = z.object({
  version: z.literal(1),
  /** `config path#server name` → what that server listed when pinned. */
  servers: z.record(z.string(), PinnedServerSchema),
});
export type PinFile = z.infer<typeof PinFileSchema>;

export function pinKey(config: string, server: string): string {
  return `${config}#${server}`;
}

export interface ScanOutcome {
  report: Report;
  findings: ScanFinding[];
  /** Findings matched by the accept file (not in `findings`). */
  accepted: ScanFinding[];
  pins: PinFile;
}

const SERVER_ITEM = '(server)';
const CATALOG_ITEM = '(catalog)';
const DRIFT_DETECTOR = 'catalog_drift';

function catalogOf(catalog: ServerCatalog, kind: string): Record<string, unknown>[] {
  return kind === 'prompts' ? catalog.prompts : kind === 'resources' ? catalog.resources : catalog.tools;
}

function itemNamed(items: readonly Record<string, unknown>[], name: string): unknown {
  return items.find(
    (raw) => (typeof raw.name === 'string' ? raw.name : (raw.uri ?? raw.uriTemplate)) === name,
  );
}

function runbookOf(rule: string): string {
  for (const detector of ALL_DETECTORS) {
    const line = detector.runbooks[rule] ?? detector.runbooks[rule.split('.')[0] ?? ''];
    if (line !== undefined) return line;
  }
  return '';
}

function fingerprintOf(f: Omit<ScanFinding, 'fingerprint'>): string {
  return canonicalHash({
    rule: f.rule,
    server: f.server,
    kind: f.kind,
    item: f.item,
    field: f.field,
    item_hash: f.item_hash,
  }).slice(0, 32);
}

export function scanFindings(
  servers: readonly ServerScan[],
  rules: DetectorRules,
  previousPins: PinFile,
  accepted: AcceptedKeys,
  time: string,
): ScanOutcome {
  const engine = new DetectorEngine(
    { rules, detectors: ALL_DETECTORS.filter((d) => d.id !== DRIFT_DETECTOR) },
    new MemoryStateStore(),
  );
  const drift = new DetectorEngine(
    { rules, detectors: ALL_DETECTORS.filter((d) => d.id === DRIFT_DETECTOR) },
    new MemoryStateStore(),
  );
  const pins: PinFile = { version: 1, servers: { ...previousPins.servers } };
  const findings: ScanFinding[] = [];
  const suites: ReportSuite[] = [];
  const byServer = new Map(servers.map((s) => [pinKey(s.config, s.name), s]));

  const toFinding = (alert: Alert, event: CatalogEvent): Omit<ScanFinding, 'fingerprint'> => {
    const scan = byServer.get(pinKey(event.tenant, alert.server_name));
    const isInstructions = alert.tool === INSTRUCTIONS_ITEM;
    const lint = alert.rule.startsWith('catalog_lint.');
    const item = alert.tool !== '' ? alert.tool : CATALOG_ITEM;
    const kind = isInstructions ? 'instructions' : event.catalog_kind;
    const raw =
      scan?.result.ok === true
        ? isInstructions
          ? scan.result.catalog.instructions
          : itemNamed(catalogOf(scan.result.catalog, kind), item)
        : undefined;
    const excerpt = lint ? (alert.details.excerpt ?? '') : '';
    const suffix = `: ${excerpt}`;
    return {
      rule: alert.rule,
      severity: alert.severity,
      message:
        excerpt !== '' && alert.summary.endsWith(suffix)
          ? `${alert.summary.slice(0, -suffix.length)}.`
          : alert.summary,
      excerpt,
      next_step: alert.runbook,
      server: alert.server_name,
      item,
      field: lint ? (alert.details.fields ?? '') : alert.rule === 'tool_shadowing' ? 'name' : '',
      file: event.tenant,
      line: scan?.line ?? 1,
      kind,
      item_hash: catalogItemHash(alert.server_name, kind, item, raw ?? event.hash),
    };
  };

  for (const scan of servers) {
    const key = pinKey(scan.config, scan.name);
    if (!scan.result.ok) {
      const stderr = scan.result.stderr.trim().split('\n').slice(-5).join(' | ');
      findings.push(
        withFingerprint({
          rule: UNAVAILABLE,
          severity: 'low',
          message: `Server '${scan.name}' could not be started and listed: ${scan.result.error}`,
          excerpt: stderr !== '' ? `stderr: ${stderr}` : '',
          next_step: `Start it by hand (${maskSecrets(scan.endpoint)}) to see why; until it starts, its catalog is not checked.`,
          server: scan.name,
          item: SERVER_ITEM,
          field: '',
          file: scan.config,
          line: scan.line,
          kind: 'server',
          item_hash: catalogItemHash(scan.name, 'server', SERVER_ITEM, scan.endpoint),
        }),
      );
      suites.push({ name: scan.name, file: scan.config, items: [], error: scan.result.error });
      continue;
    }
    const catalog = scan.result.catalog;
    const events = catalogEvents(
      { config: scan.config, name: scan.name, endpoint: scan.endpoint },
      catalog,
      time,
    );
    const who = { config: scan.config, name: scan.name, endpoint: scan.endpoint };
    for (const event of events)
      for (const alert of engine.process(event)) findings.push(withFingerprint(toFinding(alert, event)));
    const pinned = pins.servers[key];
    if (pinned !== undefined) {
      // Every kind, empty or not, so that a catalog that appears or empties is a change too.
      const previous = catalogEvents(
        who,
        {
          version: pinned.server_version,
          instructions: '',
          tools: pinned.catalogs.tools ?? [],
          prompts: pinned.catalogs.prompts ?? [],
          resources: pinned.catalogs.resources ?? [],
        },
        time,
        true,
      );
      for (const event of previous) drift.process(event);
      for (const event of catalogEvents(who, catalog, time, true))
        for (const alert of drift.process(event)) findings.push(withFingerprint(toFinding(alert, event)));
      if (pinned.instructions !== catalog.instructions) {
        findings.push(
          withFingerprint({
            rule: 'catalog_drift',
            severity: rules.catalog_drift.severity,
            message: `Server '${scan.name}' changed its instructions (which reach the model) since the pinned scan of ${pinned.pinned_at}.`,
            excerpt: maskSecrets(catalog.instructions.slice(0, 160)),
            next_step: runbookOf('catalog_drift'),
            server: scan.name,
            item: INSTRUCTIONS_ITEM,
            field: 'instructions',
            file: scan.config,
            line: scan.line,
            kind: 'instructions',
            item_hash: catalogItemHash(scan.name, 'instructions', INSTRUCTIONS_ITEM, catalog.instructions),
          }),
        );
      }
    }
    pins.servers[key] = {
      server_version: catalog.version,
      catalogs: { tools: catalog.tools, prompts: catalog.prompts, resources: catalog.resources },
      instructions: catalog.instructions,
      pinned_at: time,
    };
    const names = (items: Record<string, unknown>[]) =>
      items.map((raw) => String(raw.name ?? raw.uri ?? raw.uriTemplate ?? ''));
    suites.push({
      name: scan.name,
      file: scan.config,
      items: [
        ...names(catalog.tools),
        ...names(catalog.prompts),
        ...names(catalog.resources),
        ...(catalog.instructions !== '' ? [INSTRUCTIONS_ITEM] : []),
      ],
    });
  }

  const open = findings.filter((f) => !accepted.has(acceptedKey(f.rule, f.item_hash)));
  const acceptedFindings = findings.filter((f) => accepted.has(acceptedKey(f.rule, f.item_hash)));
  const ruleHelp: Record<string, string> = {};
  for (const rule of LINT_RULES) ruleHelp[`catalog_lint.${rule}`] = runbookOf('catalog_lint');
  for (const rule of ['tool_shadowing', 'catalog_drift', 'capability_expansion'])
    ruleHelp[rule] = runbookOf(rule);
  ruleHelp[UNAVAILABLE] =
    'A server named in the config did not start or list its catalog within the timeout.';
  const notes =
    acceptedFindings.length > 0
      ? [`${acceptedFindings.length} accepted finding(s) not shown (reviewed in the accept file).`]
      : [];
  return {
    report: { findings: open, suites, ruleHelp, notes },
    findings: open,
    accepted: acceptedFindings,
    pins,
  };
}

function withFingerprint(f: Omit<ScanFinding, 'fingerprint'>): ScanFinding {
  return { ...f, fingerprint: fingerprintOf(f) };
}
