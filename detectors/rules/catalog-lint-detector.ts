import { isAtLeast, type McpEvent } from '../../model/index.js';
import { defineDetector } from '../engine/detector.js';
import { lintCatalog, type LintFinding } from '../lint/catalog-lint.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { acceptedKey, catalogItemHash, INSTRUCTIONS_ITEM } from '../config/accepted-findings.js';
import { catalogItems } from './catalog-items.js';

// Catalogs repeat in every session: lint each distinct catalog once per rule set.
const CACHE_SIZE = 512;
const cache = new WeakMap<DetectorRules, Map<string, LintFinding[]>>();

function cachedLint(
  hash: string,
  instructions: string,
  rules: DetectorRules,
  lint: () => LintFinding[],
): LintFinding[] {
  let byHash = cache.get(rules);
  if (byHash === undefined) cache.set(rules, (byHash = new Map()));
  const key = `${hash}|${instructions.length}|${instructions.slice(0, 64)}`;
  let findings = byHash.get(key);
  if (findings === undefined) {
    findings = lint();
    if (byHash.size >= CACHE_SIZE) byHash.delete(byHash.keys().next().value as string);
    byHash.set(key, findings);
  }
  return findings;
}

/** T01: lint every catalog snapshot; one alert per server, tool and lint rule. */
export const catalogLintDetector = defineDetector<null>({
  id: 'catalog_lint',
  kinds: ['catalog'],
  runbooks: {
    catalog_lint:
      'Tool poisoning suspected: read the flagged field in the catalog (mcptap session / catalog dashboard); disable the server in the host config until its publisher explains the text; check the sessions that used it for unexpected reads or outbound calls.',
  },
  onEvent(event: McpEvent, _state, { rules }) {
    if (event.kind !== 'catalog' || !rules.catalog_lint.enabled) return [];
    const findings = cachedLint(event.hash, event.instructions, rules, () =>
      lintCatalog(
        catalogItems(event).map((item) => item.raw),
        rules,
        event.instructions,
      ),
    ).filter((f) => isAtLeast(f.severity, rules.catalog_lint.min_alert_severity));
    const grouped = new Map<string, LintFinding[]>();
    for (const f of findings) {
      const key = `${f.tool}\u0000${f.rule}`;
      grouped.set(key, [...(grouped.get(key) ?? []), f]);
    }
    const items = catalogItems(event);
    const isAccepted = (f: LintFinding): boolean => {
      if (rules.compiled.accepted.size === 0) return false;
      const hash =
        f.tool === INSTRUCTIONS_ITEM
          ? catalogItemHash(event.server_name, 'instructions', f.tool, event.instructions)
          : catalogItemHash(
              event.server_name,
              event.catalog_kind,
              f.tool,
              items.find((i) => i.name === f.tool)?.raw,
            );
      return rules.compiled.accepted.has(acceptedKey(`catalog_lint.${f.rule}`, hash));
    };
    return [...grouped.values()]
      .filter((group) => !isAccepted(group[0] as LintFinding))
      .map((group) => {
        const first = group[0] as LintFinding;
        const fields = group.map((f) => f.field);
        const where =
          first.tool === INSTRUCTIONS_ITEM
            ? `Server '${event.server_name}' gives instructions`
            : `Server '${event.server_name}' lists ${event.catalog_kind} item '${first.tool}'`;
        return {
          rule: `catalog_lint.${first.rule}`,
          severity: first.severity,
          key: [event.server_name, event.catalog_kind, first.tool, first.rule],
          evidence: [event.event_id],
          tool: first.tool,
          summary: `${where} with ${first.rule.replace(/_/g, ' ')} in ${fields.join(', ')}: ${first.excerpt}${first.why === undefined ? '' : ` — ${first.why}`}`,
          details: {
            lint_rule: first.rule,
            ...(first.why === undefined ? {} : { why: first.why }),
            fields: fields.join(', '),
            excerpt: first.excerpt,
            catalog_hash: event.hash,
            server_version: event.server_version,
          },
        };
      });
  },
});
