import { z } from 'zod';
import type { McpEvent } from '../../model/index.js';
import { globToRegExp } from '../config/detector-rules.js';
import { defineDetector, type Finding } from '../engine/detector.js';

const State = z.object({
  first_ms: z.number(),
  hosts: z.record(z.string(), z.number()),
  server_hosts: z.record(z.string(), z.number()),
  host_count: z.number(),
  server_host_count: z.number(),
});
type State = z.infer<typeof State>;

const MAX_HOSTS = 20_000;

/**
 * New destinations: the first outbound host ever seen for a tenant (and, optionally, for one of
 * its servers) once the learning window that starts at the tenant's first egress has passed.
 */
export const newDestinationDetector = defineDetector<State>({
  id: 'new_destination',
  kinds: ['egress'],
  state: {
    key: (e) => e.tenant,
    initial: () => ({ first_ms: -1, hosts: {}, server_hosts: {}, host_count: 0, server_host_count: 0 }),
    schema: State,
    expires: false,
  },
  runbooks: {
    new_destination:
      'First time this destination is seen: check in the egress dashboard who sent what there; add it to new_destination.allow_hosts if it is expected.',
  },
  onEvent(event: McpEvent, state, { rules, ms }) {
    const cfg = rules.new_destination;
    if (event.kind !== 'egress' || !cfg.enabled || event.dest_host === '') return [];
    if (state.first_ms < 0) state.first_ms = ms;
    const learning = ms - state.first_ms < cfg.learning_window_ms;
    const host = event.dest_host;
    const allowed = cfg.allow_hosts.some((glob) => globToRegExp(glob).test(host));
    const out: Finding[] = [];
    const base = {
      rule: 'new_destination',
      severity: cfg.severity,
      evidence: [event.source_event_id, event.event_id].filter((id) => id !== ''),
      host,
    };
    const serverKey = `${event.server_name}|${host}`;
    const newForServer = event.server_name !== '' && !(serverKey in state.server_hosts);
    if (!(host in state.hosts)) {
      if (!learning && !allowed) {
        out.push({
          ...base,
          key: [host],
          summary: `First outbound destination '${host}' for tenant '${event.tenant}' (${event.channel.replace('_', ' ')}${event.tool !== '' ? ` via ${event.server_name}/${event.tool}` : ''}).`,
          details: { host, channel: event.channel, scope: 'tenant' },
        });
      }
      if (state.host_count < MAX_HOSTS) {
        state.hosts[host] = ms;
        state.host_count++;
      }
    } else if (cfg.per_server && newForServer && !learning && !allowed) {
      out.push({
        ...base,
        key: [event.server_name, host],
        summary: `Server '${event.server_name}' sent to '${host}' for the first time (the tenant knew the host from other servers).`,
        details: { host, channel: event.channel, scope: 'server' },
      });
    }
    if (newForServer && state.server_host_count < MAX_HOSTS) {
      state.server_hosts[serverKey] = ms;
      state.server_host_count++;
    }
    return out;
  },
});
