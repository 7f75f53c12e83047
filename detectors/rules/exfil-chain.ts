import { z } from 'zod';
import type { McpEvent } from '../../model/index.js';
import { defineDetector } from '../engine/detector.js';
import { sensitiveRead } from './call-signals.js';

const State = z.object({
  read: z.object({ event_id: z.string(), ms: z.number(), what: z.string(), tool: z.string() }).nullable(),
});
type State = z.infer<typeof State>;

/**
 * T05 exfiltration chain: a sensitive read (secret-looking path requested, or secrets in the
 * result) followed within the window, in the same session, by an outbound sink: a destination in a
 * tool argument or a markdown image/link in assistant output.
 */
export const exfilChainDetector = defineDetector<State>({
  id: 'exfil_chain',
  kinds: ['tool_call', 'content_read', 'egress'],
  state: {
    key: (e) => `${e.tenant}/${e.session_id}`,
    initial: () => ({ read: null }),
    schema: State,
    expires: true,
  },
  runbooks: {
    exfil_chain:
      'A sensitive read was followed by an outbound sink: treat the read data as leaked; rotate what was read, block the destination, and find in the session which content led the model there.',
  },
  onEvent(event: McpEvent, state, ctx) {
    const { rules, ms } = ctx;
    const cfg = rules.exfil_chain;
    if (!cfg.enabled) return [];
    if (event.kind === 'egress') {
      const read = state.read;
      // Events from different processes (one proxy per server) may arrive out of time order: an
      // egress that happened before the read is not one that followed it.
      if (
        read === null ||
        ms < read.ms ||
        ms - read.ms > cfg.window_ms ||
        event.source_event_id === read.event_id
      )
        return [];
      return [
        {
          rule: 'exfil_chain',
          severity: cfg.severity,
          key: [event.session_id, read.event_id],
          evidence: [read.event_id, event.source_event_id, event.event_id].filter((id) => id !== ''),
          host: event.dest_host,
          summary: `Sensitive read by ${read.tool} (${read.what}) followed ${Math.round((ms - read.ms) / 1000)} s later by an outbound ${event.channel.replace('_', ' ')} to ${event.dest_host}${event.tool !== '' ? ` via ${event.server_name}/${event.tool}` : ''}.`,
          details: {
            read_event: read.event_id,
            read: read.what,
            sink_channel: event.channel,
            sink_host: event.dest_host,
          },
        },
      ];
    }
    if (event.kind === 'tool_call' || event.kind === 'content_read') {
      const what = sensitiveRead(event, ctx);
      if (what !== null) {
        state.read = {
          event_id: event.event_id,
          ms,
          what,
          tool: `${event.server_name}/${event.kind === 'tool_call' ? event.tool : event.target}`,
        };
      }
    }
    return [];
  },
});
