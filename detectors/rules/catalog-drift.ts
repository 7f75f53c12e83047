import { z } from 'zod';
import { canonicalHash, type McpEvent } from '../../model/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { defineDetector, type Finding } from '../engine/detector.js';
import {
  CAPABILITIES,
  parameterNames,
  toolCapabilities,
  type Capability,
} from '../lint/tool-capabilities.js';
import { catalogItems, type CatalogItem } from './catalog-items.js';

const Pin = z.object({
  version: z.string(),
  hash: z.string(),
  /** item name → field → short hash of the field's canonical JSON */
  items: z.record(z.string(), z.record(z.string(), z.string())),
  caps: z.record(z.string(), z.array(z.string())),
  params: z.record(z.string(), z.array(z.string())),
});
type Pin = z.infer<typeof Pin>;
const State = z.object({
  pins: z.record(z.string(), Pin),
  /** `server|version|kind` → host_id → catalog hash */
  fleet: z.record(z.string(), z.record(z.string(), z.string())),
});
type State = z.infer<typeof State>;

const MAX_HOSTS_PER_SERVER = 200;
const FIELDS = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

function pinOf(version: string, hash: string, items: readonly CatalogItem[], rules: DetectorRules): Pin {
  const pin: Pin = { version, hash, items: {}, caps: {}, params: {} };
  for (const item of items) {
    const fields: Record<string, string> = {};
    for (const field of FIELDS)
      if (item.raw[field] !== undefined) fields[field] = canonicalHash(item.raw[field]).slice(0, 12);
    fields['(all)'] = canonicalHash(item.raw).slice(0, 12);
    pin.items[item.name] = fields;
    const caps = toolCapabilities(item.raw, rules);
    pin.caps[item.name] = CAPABILITIES.filter((c) => caps[c]);
    pin.params[item.name] = parameterNames(item.raw);
  }
  return pin;
}

/** What changed between two tool lists (offline `lint-catalog --baseline`): the drift detector's own diff. */
export function diffCatalogs(
  oldTools: readonly Record<string, unknown>[],
  newTools: readonly Record<string, unknown>[],
  rules: DetectorRules,
): { added: string[]; removed: string[]; changed: string[]; gained: string[] } {
  const items = (tools: readonly Record<string, unknown>[]): CatalogItem[] =>
    tools.map((raw) => ({ name: typeof raw.name === 'string' ? raw.name : '', description: '', raw }));
  const old = pinOf('', canonicalHash(oldTools), items(oldTools), rules);
  const current = pinOf('', canonicalHash(newTools), items(newTools), rules);
  return { ...diffPins(old, current), gained: capabilityGains(old, current) };
}

function diffPins(old: Pin, current: Pin): { added: string[]; removed: string[]; changed: string[] } {
  const added = Object.keys(current.items).filter((n) => !(n in old.items));
  const removed = Object.keys(old.items).filter((n) => !(n in current.items));
  const changed: string[] = [];
  for (const [name, fields] of Object.entries(current.items)) {
    const before = old.items[name];
    if (before === undefined || before['(all)'] === fields['(all)']) continue;
    const keys = new Set([...Object.keys(before), ...Object.keys(fields)]);
    keys.delete('(all)');
    const differing = [...keys].filter((k) => before[k] !== fields[k]);
    changed.push(`${name}(${differing.join(',') || 'other'})`);
  }
  return { added, removed, changed };
}

function capabilityGains(old: Pin, current: Pin): string[] {
  const gains: string[] = [];
  for (const [name, caps] of Object.entries(current.caps)) {
    const had = new Set(old.caps[name] ?? []);
    for (const cap of caps as Capability[]) {
      if (!had.has(cap)) gains.push(`${name}:${cap}`);
    }
    const oldParams = old.params[name];
    if (oldParams !== undefined) {
      const newParams = (current.params[name] ?? []).filter((p) => !oldParams.includes(p));
      if (newParams.length > 0 && caps.length > 0) gains.push(`${name}:+params(${newParams.join(',')})`);
    }
  }
  return gains;
}

/**
 * T03 rug pull: the first snapshot of a server's catalog is pinned; a different hash for the same
 * server version raises catalog_drift (what changed), new exec/write/network tools or parameters
 * raise capability_expansion (also across a version upgrade, which re-pins), and one server
 * version listing different catalogs on different hosts of a tenant raises fleet_divergence.
 */
export const catalogDriftDetector = defineDetector<State>({
  id: 'catalog_drift',
  kinds: ['catalog'],
  state: { key: (e) => e.tenant, initial: () => ({ pins: {}, fleet: {} }), schema: State, expires: false },
  runbooks: {
    catalog_drift:
      'Catalog changed without a version change (rug pull?): diff the pinned and current catalog in the catalog-changes dashboard; if the change is not from an update you expected, remove the server and review the sessions since the change.',
    capability_expansion:
      'A server gained exec/write/network tools or parameters: confirm the update was intended; if not, pin the previous version in the host config.',
    fleet_divergence:
      'The same server version lists different catalogs on different hosts: one installation is tampered with or serves per-client content; compare the hosts named in the alert.',
  },
  onEvent(event: McpEvent, state, { rules }) {
    if (event.kind !== 'catalog' || !rules.catalog_drift.enabled) return [];
    const cfg = rules.catalog_drift;
    const out: Finding[] = [];
    const pinKey = `${event.server_name}|${event.catalog_kind}`;
    const current = () => pinOf(event.server_version, event.hash, catalogItems(event), rules);
    const pinned = state.pins[pinKey];
    if (pinned === undefined) {
      state.pins[pinKey] = current();
    } else if (pinned.hash !== event.hash) {
      const now = current();
      const diff = diffPins(pinned, now);
      const sameVersion = pinned.version === event.server_version;
      if (sameVersion) {
        out.push({
          rule: 'catalog_drift',
          severity: cfg.severity,
          key: [event.server_name, event.catalog_kind, pinned.hash, event.hash],
          evidence: [event.event_id],
          summary: `Server '${event.server_name}' ${event.server_version} changed its ${event.catalog_kind} catalog from the pinned one without a version change: added [${diff.added.join(', ')}], removed [${diff.removed.join(', ')}], changed [${diff.changed.join(', ')}].`,
          details: {
            pinned_hash: pinned.hash,
            hash: event.hash,
            added: diff.added.join(', '),
            removed: diff.removed.join(', '),
            changed: diff.changed.join(', '),
            trigger: event.trigger,
          },
        });
      }
      const gains = capabilityGains(pinned, now);
      if (gains.length > 0) {
        out.push({
          rule: 'capability_expansion',
          severity: cfg.expansion_severity,
          key: [event.server_name, event.catalog_kind, pinned.hash, event.hash],
          evidence: [event.event_id],
          summary: `Server '${event.server_name}' gained capabilities since its pinned catalog${sameVersion ? '' : ` (version ${pinned.version} → ${event.server_version})`}: ${gains.join(', ')}.`,
          details: {
            gained: gains.join(', '),
            pinned_version: pinned.version,
            version: event.server_version,
          },
        });
      }
      if (!sameVersion) state.pins[pinKey] = now;
    }

    const fleetKey = `${event.server_name}|${event.server_version}|${event.catalog_kind}`;
    const hosts = (state.fleet[fleetKey] ??= {});
    const others = Object.entries(hosts).filter(
      ([host, hash]) => host !== event.host_id && hash !== event.hash,
    );
    if (others.length > 0) {
      const [otherHost, otherHash] = others[0] as [string, string];
      const hashes = [otherHash, event.hash].sort();
      out.push({
        rule: 'fleet_divergence',
        severity: cfg.fleet_severity,
        key: [event.server_name, event.server_version, event.catalog_kind, ...hashes],
        evidence: [event.event_id],
        summary: `Server '${event.server_name}' ${event.server_version} lists a different ${event.catalog_kind} catalog on host '${event.host_id}' than on host '${otherHost}' (${others.length} host(s) differ).`,
        details: { host: event.host_id, other_host: otherHost, hash: event.hash, other_hash: otherHash },
      });
    }
    if (event.host_id in hosts || Object.keys(hosts).length < MAX_HOSTS_PER_SERVER)
      hosts[event.host_id] = event.hash;
    return out;
  },
});
