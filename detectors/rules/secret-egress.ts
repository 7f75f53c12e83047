import type { McpEvent, ToolCallEvent } from '../../model/index.js';
import { defineDetector, type DetectorContext, type Finding } from '../engine/detector.js';
import { findSecretsOrMasks } from '../../secrets/index.js';
import { argumentKeys, callCapabilities, callSink } from './call-signals.js';

/**
 * Why a call's arguments leave the host, or null: the call is outbound (network, or it sends,
 * posts or pays through a service) or runs code (what code
 * does with a secret is out of sight), or it has a side-channel parameter such as `sidenote` — the
 * names catalog lint flags as exfiltration parameters.
 */
function secretCarrier(event: ToolCallEvent, ctx: DetectorContext): string | null {
  const caps = callCapabilities(event, ctx);
  const sink = callSink(event, ctx);
  if (caps.network || sink === 'send' || sink === 'pay') return 'outbound call';
  if (caps.exec) return 'code-running call';
  const exfil = ctx.rules.catalog_lint.exfil_param_names;
  const param = argumentKeys(event.arguments.text).find((key) => exfil.includes(key.toLowerCase()));
  return param === undefined ? null : `call with side-channel parameter '${param}'`;
}

/**
 * T05 DLP: secret material (also base64/hex/URL-encoded) leaving — in a destination (URL query,
 * markdown image/link the assistant rendered) or in the arguments of an outbound or code-running
 * tool call, or of any call through a side-channel parameter (`sidenote`).
 */
export const secretEgressDetector = defineDetector<null>({
  id: 'secret_egress',
  kinds: ['egress', 'tool_call'],
  runbooks: {
    secret_egress:
      'A credential left through an outbound channel: rotate the secret named by its fingerprint now, block the destination, and trace in the session where the model got it.',
  },
  onEvent(event: McpEvent, _state, ctx) {
    const { rules } = ctx;
    if (!rules.secret_egress.enabled) return [];
    let text: string;
    let where: string;
    if (event.kind === 'egress') {
      text = event.dest_value.text;
      where = `${event.channel.replace('_', ' ')} to ${event.dest_host}`;
    } else if (event.kind === 'tool_call') {
      const carrier = secretCarrier(event, ctx);
      if (carrier === null) return [];
      text = event.arguments.text;
      where = `arguments of ${carrier} ${event.server_name}/${event.tool}`;
    } else {
      return [];
    }
    const out: Finding[] = [];
    for (const secret of findSecretsOrMasks(text)) {
      out.push({
        rule: 'secret_egress',
        severity: rules.secret_egress.severity,
        key: [event.session_id, secret.fingerprint],
        evidence: event.kind === 'egress' && event.source_event_id !== '' ? [event.source_event_id] : [],
        host: event.kind === 'egress' ? event.dest_host : undefined,
        summary: `Secret [SECRET:${secret.type}:${secret.fingerprint}] (${secret.encoding}) in the ${where}.`,
        details: {
          secret_type: secret.type,
          secret_fingerprint: secret.fingerprint,
          encoding: secret.encoding,
          where,
        },
      });
    }
    return out;
  },
});
