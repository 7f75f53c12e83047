import { z } from 'zod';
import type { McpEvent, Severity } from '../../model/index.js';
import { defineDetector, type Finding } from '../engine/detector.js';
import { lookalike } from '../lint/lookalike-names.js';
import { catalogItems } from './catalog-items.js';

const State = z.object({
  servers: z.record(z.string(), z.array(z.string())),
  /** Per server and tool, the tool-like names its description mentions (checked when a later server lists them). */
  references: z.record(z.string(), z.record(z.string(), z.array(z.string()))).default({}),
  /** Catalog hash last compared per server: an unchanged catalog is not compared again. */
  hashes: z.record(z.string(), z.string()),
});
type State = z.infer<typeof State>;

const MAX_TOOLS_PER_SERVER = 500;
const MAX_REFERENCES_PER_TOOL = 20;
// A maximal run of name characters with a separator in it: `send_email`, `get-weather`.
const TOOL_LIKE_NAME = /[A-Za-z0-9][A-Za-z0-9_-]*[_-][A-Za-z0-9_-]*[A-Za-z0-9]/g;

/** The tool-like names a description mentions, as whole words. */
function mentionedNames(description: string, minLength: number): string[] {
  const names = new Set<string>();
  for (const m of description.matchAll(TOOL_LIKE_NAME)) {
    if (m[0].length >= minLength) names.add(m[0]);
    if (names.size >= MAX_REFERENCES_PER_TOOL) break;
  }
  return [...names];
}

/** A description on one server naming another server's tool; the same key whichever listed first. */
function reference(
  eventId: string,
  severity: Severity,
  [server, tool]: readonly [string, string],
  [otherServer, otherTool]: readonly [string, string],
): Finding {
  return {
    rule: 'tool_shadowing',
    severity,
    key: [server, tool, otherServer, otherTool, 'reference'],
    evidence: [eventId],
    tool,
    summary: `The description of '${tool}' on server '${server}' names tool '${otherTool}' of server '${otherServer}': instructions about another server's tool.`,
    details: { kind: 'reference', shadowed_server: otherServer, shadowed_tool: otherTool },
  };
}

/**
 * T01 name collision / shadowing, across the servers of a tenant: the same tool name on two
 * servers, a look-alike (`send_email` vs `send_email_fast`), or a description naming another
 * server's tool — whichever of the two servers lists first. Needs tenant-wide catalog knowledge:
 * catalog records are keyed by tenant.
 */
export const toolShadowingDetector = defineDetector<State>({
  id: 'tool_shadowing',
  kinds: ['catalog'],
  state: {
    key: (e) => e.tenant,
    initial: () => ({ servers: {}, references: {}, hashes: {} }),
    schema: State,
    expires: false,
  },
  runbooks: {
    tool_shadowing:
      'Tool shadowing suspected: compare the two servers named in the alert; remove the one you did not install on purpose, and check calls to the shadowed tool for changed recipients or arguments.',
  },
  onEvent(event: McpEvent, state, { rules }) {
    if (event.kind !== 'catalog' || event.catalog_kind !== 'tools') return [];
    if (state.hashes[event.server_name] === event.hash) return [];
    state.hashes[event.server_name] = event.hash;
    const items = catalogItems(event);
    const out: Finding[] = [];
    const cfg = rules.shadowing;
    const severity = cfg.reference_severity;
    const listed = items.slice(0, MAX_TOOLS_PER_SERVER);
    const mentioned = new Map(
      listed.map((item) => [item.name, mentionedNames(item.description, cfg.min_name_length)] as const),
    );
    if (cfg.enabled) {
      for (const [other, names] of Object.entries(state.servers)) {
        if (other === event.server_name) continue;
        for (const item of listed) {
          for (const name of names) {
            // A look-alike is found whichever of the two servers was listed first: the newcomer's
            // tool may mimic an existing one, or an existing tool may mimic the newcomer's.
            const forward = lookalike(name, item.name, rules, true);
            const backward = forward === null ? lookalike(item.name, name, rules, true) : null;
            const kind = forward ?? backward;
            if (kind !== null) {
              const pairSeverity: Severity = kind === 'exact' ? cfg.exact_severity : cfg.near_severity;
              const [mimicServer, mimicTool, realServer, realTool] =
                forward !== null
                  ? [event.server_name, item.name, other, name]
                  : [other, name, event.server_name, item.name];
              out.push({
                rule: 'tool_shadowing',
                severity: pairSeverity,
                key: [mimicServer, mimicTool, realServer, realTool],
                evidence: [event.event_id],
                tool: mimicTool,
                summary:
                  kind === 'exact'
                    ? `Server '${mimicServer}' lists tool '${mimicTool}', which server '${realServer}' also lists: the model may call either.`
                    : `Server '${mimicServer}' lists tool '${mimicTool}', a look-alike of '${realTool}' on server '${realServer}' (${kind === 'affix' ? 'same name plus a lure word' : 'near spelling'}).`,
                details: { kind, shadowed_server: realServer, shadowed_tool: realTool },
              });
            } else if (mentioned.get(item.name)?.includes(name)) {
              out.push(reference(event.event_id, severity, [event.server_name, item.name], [other, name]));
            } else if (state.references[other]?.[name]?.includes(item.name)) {
              out.push(reference(event.event_id, severity, [other, name], [event.server_name, item.name]));
            }
          }
        }
      }
    }
    state.servers[event.server_name] = listed.map((item) => item.name);
    state.references[event.server_name] = Object.fromEntries(
      [...mentioned].filter(([, names]) => names.length > 0),
    );
    return out;
  },
});
