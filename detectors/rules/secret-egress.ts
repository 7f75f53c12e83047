import type { McpEvent } from '../../model/index.js';
import { defineDetector, type Finding } from '../engine/detector.js';
import { findSecretsOrMasks } from '../../secrets/index.js';
import { callCapabilities } from './call-signals.js';

/**
 * T05 DLP: secret material (also base64/hex/URL-encoded) leaving — in a destination (URL query,
 * markdown image/link the assistant rendered) or in the arguments of an outbound tool call.
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
    } else if (event.kind === 'tool_call' && callCapabilities(event, ctx).network) {
      text = event.arguments.text;
      where = `arguments of outbound call ${event.server_name}/${event.tool}`;
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
