import { z } from 'zod';
import type { McpEvent } from '../../model/index.js';
import { defineDetector } from '../engine/detector.js';
import { nameTokens } from '../lint/tool-capabilities.js';
import { sensitiveRead } from './call-signals.js';

const Read = z.object({ event_id: z.string(), ms: z.number(), what: z.string(), tool: z.string() });
const Sink = z.object({
  event_id: z.string(),
  ms: z.number(),
  source_event_id: z.string(),
  channel: z.string(),
  host: z.string(),
  via: z.string(),
});
const State = z.object({
  read: Read.nullable(),
  /** Recent sinks with no read before them, for a read that arrives late (absent in older state). */
  sinks: z.array(Sink).optional(),
});
type State = z.infer<typeof State>;
type Read = z.infer<typeof Read>;
type Sink = z.infer<typeof Sink>;

/** Sinks kept per session for reads that arrive after them; the oldest go first. */
const MAX_WAITING_SINKS = 16;

/**
 * T05 exfiltration chain: a sensitive read (secret-looking path requested, or secrets in the
 * result) followed within the window, in the same session, by an outbound sink: a destination in a
 * tool argument or a markdown image/link in assistant output.
 *
 * The servers of one session send through separate proxies, so their events may arrive out of time
 * order: a sink that happened before the read is not a follow-up, and a sink that arrives before
 * the read it followed waits (bounded) for that read.
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
    const chain = (read: Read, sink: Sink) => ({
      rule: 'exfil_chain',
      severity: cfg.severity,
      key: [event.session_id, read.event_id],
      evidence: [read.event_id, sink.source_event_id, sink.event_id].filter((id) => id !== ''),
      host: sink.host,
      summary: `Sensitive read by ${read.tool} (${read.what}) followed ${Math.round((sink.ms - read.ms) / 1000)} s later by an outbound ${sink.channel.replace('_', ' ')} to ${sink.host}${sink.via !== '' ? ` via ${sink.via}` : ''}.`,
      details: {
        read_event: read.event_id,
        read: read.what,
        sink_channel: sink.channel,
        sink_host: sink.host,
      },
    });
    const follows = (read: Read, sink: Sink) =>
      sink.ms >= read.ms && sink.ms - read.ms <= cfg.window_ms && sink.source_event_id !== read.event_id;
    if (event.kind === 'egress') {
      // A bare host under a key that names no destination (`site: gitlab.com` on a password
      // manager's save) labels the data; nothing is sent there.
      const key = event.location
        .split(/[^\w-]+/)
        .filter((part) => part !== '' && !/^\d+$/.test(part))
        .pop();
      if (
        event.channel === 'tool_argument' &&
        event.dest_scheme === 'host' &&
        key !== undefined &&
        !nameTokens(key).some((t) => rules.result_steered.destination_keys.includes(t))
      ) {
        return [];
      }
      const sink: Sink = {
        event_id: event.event_id,
        ms,
        source_event_id: event.source_event_id,
        channel: event.channel,
        host: event.dest_host,
        via: event.tool !== '' ? `${event.server_name}/${event.tool}` : '',
      };
      const read = state.read;
      if (read !== null && follows(read, sink)) return [chain(read, sink)];
      if (read === null || ms < read.ms) {
        const waiting = (state.sinks ?? []).filter((s) => ms - s.ms <= cfg.window_ms);
        state.sinks = [...waiting, sink].slice(-MAX_WAITING_SINKS);
      }
      return [];
    }
    if (event.kind === 'tool_call' || event.kind === 'content_read') {
      const what = sensitiveRead(event, ctx);
      if (what === null) return [];
      const read: Read = {
        event_id: event.event_id,
        ms,
        what,
        tool: `${event.server_name}/${event.kind === 'tool_call' ? event.tool : event.target}`,
      };
      state.read = read;
      const waited = (state.sinks ?? []).find((sink) => follows(read, sink));
      if (waited !== undefined) {
        state.sinks = (state.sinks ?? []).filter((sink) => sink !== waited);
        return [chain(read, waited)];
      }
    }
    return [];
  },
});
