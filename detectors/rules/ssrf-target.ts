import type { McpEvent } from '../../model/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { defineDetector } from '../engine/detector.js';
import { nameTokens } from '../lint/tool-capabilities.js';
import { classifySsrf } from './ssrf-classify.js';

const DESCRIPTION = {
  metadata: 'a cloud metadata endpoint',
  loopback: 'a loopback address',
  private: 'a private network address',
  link_local: 'a link-local address',
  cgnat: 'a carrier-grade NAT address',
  internal_name: 'an internal host name',
  scheme: 'a non-web URL scheme',
} as const;

const LAST_KEY = /(?:\.([A-Za-z_$][\w$]*)|\["((?:[^"\\]|\\.)*)"\])(?:\[\d+\])*$/;

/** The name of the argument a JSON path (`$.a.body`, `$["b c"][2]`) ends in, or null. */
function lastKey(location: string): string | null {
  const m = LAST_KEY.exec(location);
  return m === null ? null : (m[1] ?? m[2] ?? null);
}

/**
 * An argument that holds prose: its name (`content`) or a word of it (`page_content`, `bodyHtml`)
 * is a `free_text_keys` entry, and no word of it names a destination (`content_url`).
 */
function isProseKey(key: string, rules: DetectorRules): boolean {
  if (rules.ssrf.free_text_keys.includes(key.toLowerCase())) return true;
  const tokens = nameTokens(key);
  return (
    tokens.some((t) => rules.ssrf.free_text_keys.includes(t)) &&
    !tokens.some((t) => rules.result_steered.destination_keys.includes(t))
  );
}

/**
 * T04 confused deputy / SSRF: a destination in tool arguments (egress events the extractor found
 * there, IPs normalised from decimal/octal/hex forms; not in prose arguments such as `content`) that points inside: metadata, loopback,
 * private, link-local, CGNAT, internal names, or odd schemes (file:, gopher:, dict: …).
 */
export const ssrfTargetDetector = defineDetector<null>({
  id: 'ssrf_target',
  kinds: ['egress'],
  runbooks: {
    ssrf_target:
      'A tool was asked to reach an internal or metadata address: check the call in the session timeline and what it returned; if a metadata endpoint answered, rotate the instance credentials; restrict the tool egress.',
  },
  onEvent(event: McpEvent, _state, { rules }) {
    if (event.kind !== 'egress' || !rules.ssrf.enabled || event.channel !== 'tool_argument') return [];
    // A URL in prose being written or uploaded is content, not where the call goes.
    const key = lastKey(event.location);
    if (key !== null && isProseKey(key, rules)) return [];
    const verdict = classifySsrf(event.dest_scheme, event.dest_host, rules);
    if (verdict === null) return [];
    const severity = verdict.category === 'metadata' ? rules.ssrf.metadata_severity : rules.ssrf.severity;
    return [
      {
        rule: 'ssrf_target',
        severity,
        key: [event.session_id, event.server_name, event.tool, event.dest_scheme, verdict.host],
        evidence: [event.source_event_id, event.event_id].filter((id) => id !== ''),
        host: verdict.host,
        summary: `${event.server_name}/${event.tool} was called with ${DESCRIPTION[verdict.category]} (${event.dest_scheme}://${verdict.host}) in ${event.location}: ${event.dest_value.text.slice(0, 200)}`,
        details: {
          category: verdict.category,
          host: verdict.host,
          written_as: event.dest_value.text.slice(0, 200),
          scheme: event.dest_scheme,
          location: event.location,
        },
      },
    ];
  },
});
