import { z } from 'zod';
import { canonicalHash, type CatalogEvent, type McpEvent } from '../../model/index.js';
import { diffCatalogs } from '../../extract/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { policyEntryFor, versionAllowed, type ServerPolicyEntry } from '../config/server-policy.js';
import { defineDetector, type Finding } from '../engine/detector.js';
import { CAPABILITIES, toolCapabilities } from '../lint/tool-capabilities.js';
import { catalogItems } from './catalog-items.js';

/**
 * Approved servers (`server_policy.path`): a server the policy does not approve, an approved one
 * in a version it does not list, a catalog whose hash is not the approved one, and exec/network/
 * write tools on a server whose trust level does not allow them. Each is reported once (per host
 * for an unapproved server or version); without a policy the detector is silent.
 */

const State = z.object({
  /** What was already reported → when. */
  reported: z.record(z.string(), z.number()),
  count: z.number(),
});
type State = z.infer<typeof State>;

const MAX_REPORTED = 20_000;
const MAX_LISTED = 20;

/** True the first time `key` is seen (and remembers it while there is room). */
function firstTime(state: State, key: string, ms: number): boolean {
  if (key in state.reported) return false;
  if (state.count < MAX_REPORTED) {
    state.reported[key] = ms;
    state.count++;
  }
  return true;
}

function list(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} … (${items.length} in all)` : shown || '-';
}

function parseItems(event: CatalogEvent): unknown[] | null {
  if (event.items.truncated) return null;
  try {
    const value: unknown = JSON.parse(event.items.text);
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function catalogFindings(
  event: CatalogEvent,
  entry: ServerPolicyEntry,
  state: State,
  rules: DetectorRules,
  ms: number,
): Finding[] {
  const cfg = rules.server_policy;
  const out: Finding[] = [];
  const server = event.server_name;
  const approved = entry.catalogs[event.catalog_kind];
  if (
    approved !== undefined &&
    approved !== event.hash &&
    firstTime(state, `c|${server}|${event.catalog_kind}|${event.hash}`, ms)
  ) {
    const approvedItems = entry.approvedCatalogs[event.catalog_kind];
    const current = parseItems(event);
    const against =
      approvedItems !== undefined && current !== null ? 'the approved catalog' : 'the catalog seen before';
    const diff =
      approvedItems !== undefined && current !== null
        ? diffCatalogs(event.catalog_kind, approvedItems, current)
        : event.diff;
    const changed = diff.changed.map((c) => `${c.name} (${c.fields.join(', ')})`);
    out.push({
      rule: 'server_policy.catalog_mismatch',
      severity: cfg.catalog_severity,
      key: [server, event.catalog_kind, event.hash],
      evidence: [event.event_id],
      summary: `Server '${server}' (${entry.trust}) lists a ${event.catalog_kind} catalog whose hash ${event.hash.slice(0, 12)}… is not the approved ${approved.slice(0, 12)}…; against ${against}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed.`,
      details: {
        server,
        catalog_kind: event.catalog_kind,
        hash: event.hash,
        approved_hash: approved,
        compared_with: against,
        added: list(diff.added),
        removed: list(diff.removed),
        changed: list(changed),
        policy: rules.serverPolicy?.source ?? '',
      },
    });
  }
  if (event.catalog_kind === 'tools' && entry.trust !== 'first_party') {
    const capable = catalogItems(event)
      .map((item) => {
        const caps = toolCapabilities(item.raw, rules);
        return { name: item.name, caps: CAPABILITIES.filter((c) => caps[c]) };
      })
      .filter((t) => t.caps.length > 0);
    const signature = canonicalHash(capable).slice(0, 16);
    if (capable.length > 0 && firstTime(state, `x|${server}|${signature}`, ms)) {
      const severity =
        entry.trust === 'community' ? cfg.community_capability_severity : cfg.vetted_capability_severity;
      out.push({
        rule: 'server_policy.capability',
        severity,
        key: [server, signature],
        evidence: [event.event_id],
        summary: `Server '${server}' is trusted as ${entry.trust}, and its catalog has ${capable.length} tool${capable.length === 1 ? '' : 's'} that can ${[...new Set(capable.flatMap((t) => t.caps))].join('/')}: ${list(capable.map((t) => `${t.name} (${t.caps.join(', ')})`))}.`,
        details: {
          server,
          trust: entry.trust,
          tools: list(capable.map((t) => `${t.name} (${t.caps.join(', ')})`)),
          policy: rules.serverPolicy?.source ?? '',
        },
      });
    }
  }
  return out;
}

export const serverPolicyDetector = defineDetector<State>({
  id: 'server_policy',
  kinds: ['catalog', 'tool_call'],
  state: {
    key: (e) => e.tenant,
    initial: () => ({ reported: {}, count: 0 }),
    schema: State,
    expires: false,
  },
  runbooks: {
    server_policy:
      'A server runs outside the approved-server policy: check who installed it (the host, mcptap servers), compare its catalog with the approved one, then remove it from the host config or approve it (trust level, version, catalog hash) in the policy file.',
  },
  onEvent(event: McpEvent, state, { rules, ms }) {
    const policy = rules.serverPolicy;
    if (
      policy === null ||
      (event.kind !== 'catalog' && event.kind !== 'tool_call') ||
      event.server_name === ''
    )
      return [];
    const cfg = rules.server_policy;
    const server = event.server_name;
    const entry = policyEntryFor(policy, event);
    if (entry === undefined) {
      if (!firstTime(state, `u|${event.host_id}|${server}`, ms)) return [];
      return [
        {
          rule: 'server_policy.unapproved_server',
          severity: cfg.unapproved_severity,
          key: [event.host_id, server],
          evidence: [event.event_id],
          summary: `Server '${server}' (id ${event.server_id || 'unknown'}, version ${event.server_version || 'unknown'}) runs on host '${event.host_id}', and no entry of the server policy approves it.`,
          details: {
            server,
            server_id: event.server_id,
            version: event.server_version,
            host: event.host_id,
            policy: policy.source,
          },
        },
      ];
    }
    const out: Finding[] = [];
    if (
      !versionAllowed(entry, event.server_version) &&
      firstTime(state, `v|${event.host_id}|${server}|${event.server_version}`, ms)
    ) {
      out.push({
        rule: 'server_policy.unapproved_version',
        severity: cfg.version_severity,
        key: [event.host_id, server, event.server_version],
        evidence: [event.event_id],
        summary: `Server '${server}' runs version ${event.server_version || 'unknown'} on host '${event.host_id}'; the policy approves it (${entry.trust}) only in ${entry.versionsText}.`,
        details: {
          server,
          version: event.server_version,
          approved_versions: entry.versionsText,
          trust: entry.trust,
          host: event.host_id,
          policy: policy.source,
        },
      });
    }
    if (event.kind === 'catalog') out.push(...catalogFindings(event, entry, state, rules, ms));
    return out;
  },
});
