import { z } from 'zod';
import type { McpEvent, Severity } from '../../model/index.js';
import { defineDetector, type Finding } from '../engine/detector.js';
import { lookalike } from '../lint/lookalike-names.js';
import { catalogItems } from './catalog-items.js';

const State = z.object({
  servers: z.record(z.string(), z.array(z.string())),
  /** Catalog hash last compared per server: an unchanged catalog is not compared again. */
  hashes: z.record(z.string(), z.string()),
});
type State = z.infer<typeof State>;

const MAX_TOOLS_PER_SERVER = 500;

function mentions(text: string, name: string): boolean {
  const at = text.indexOf(name);
  if (at < 0) return false;
  const before = text[at - 1] ?? ' ';
  const after = text[at + name.length] ?? ' ';
  return !/[A-Za-z0-9_-]/.test(before) && !/[A-Za-z0-9_-]/.test(after);
}

/**
 * T01 name collision / shadowing, across the servers of a tenant: the same tool name on two
 * servers, a look-alike (`send_email` vs `send_email_fast`), or a description naming another
 * server's tool. Needs tenant-wide catalog knowledge: catalog records are keyed by tenant.
 */
export const toolShadowingDetector = defineDetector<State>({
  id: 'tool_shadowing',
  kinds: ['catalog'],
  state: {
    key: (e) => e.tenant,
    initial: () => ({ servers: {}, hashes: {} }),
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
    if (cfg.enabled) {
      for (const [other, names] of Object.entries(state.servers)) {
        if (other === event.server_name) continue;
        for (const item of items) {
          for (const name of names) {
            // A look-alike is found whichever of the two servers was listed first: the newcomer's
            // tool may mimic an existing one, or an existing tool may mimic the newcomer's.
            const forward = lookalike(name, item.name, rules, true);
            const backward = forward === null ? lookalike(item.name, name, rules, true) : null;
            const kind = forward ?? backward;
            if (kind !== null) {
              const severity: Severity = kind === 'exact' ? cfg.exact_severity : cfg.near_severity;
              const [mimicServer, mimicTool, realServer, realTool] =
                forward !== null
                  ? [event.server_name, item.name, other, name]
                  : [other, name, event.server_name, item.name];
              out.push({
                rule: 'tool_shadowing',
                severity,
                key: [mimicServer, mimicTool, realServer, realTool],
                evidence: [event.event_id],
                tool: mimicTool,
                summary:
                  kind === 'exact'
                    ? `Server '${mimicServer}' lists tool '${mimicTool}', which server '${realServer}' also lists: the model may call either.`
                    : `Server '${mimicServer}' lists tool '${mimicTool}', a look-alike of '${realTool}' on server '${realServer}' (${kind === 'affix' ? 'same name plus a lure word' : 'near spelling'}).`,
                details: { kind, shadowed_server: realServer, shadowed_tool: realTool },
              });
            } else if (
              name.length >= cfg.min_name_length &&
              /[_-]/.test(name) &&
              mentions(item.description, name)
            ) {
              out.push({
                rule: 'tool_shadowing',
                severity: cfg.reference_severity,
                key: [event.server_name, item.name, other, name, 'reference'],
                evidence: [event.event_id],
                tool: item.name,
                summary: `The description of '${item.name}' on server '${event.server_name}' names tool '${name}' of server '${other}': instructions about another server's tool.`,
                details: { kind: 'reference', shadowed_server: other, shadowed_tool: name },
              });
            }
          }
        }
      }
    }
    state.servers[event.server_name] = items.slice(0, MAX_TOOLS_PER_SERVER).map((item) => item.name);
    return out;
  },
});
