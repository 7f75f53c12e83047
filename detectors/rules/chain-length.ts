import { z } from 'zod';
import type { McpEvent } from '../../model/index.js';
import { defineDetector } from '../engine/detector.js';

const State = z.object({ turn_id: z.string(), calls: z.number(), first_event: z.string() });
type State = z.infer<typeof State>;

/** Agentic loops: more tool calls in one user turn than `chain_length.max_calls`. */
export const chainLengthDetector = defineDetector<State>({
  id: 'chain_length',
  kinds: ['tool_call'],
  state: {
    key: (e) => `${e.tenant}/${e.session_id}`,
    initial: () => ({ turn_id: '', calls: 0, first_event: '' }),
    schema: State,
    expires: true,
  },
  runbooks: {
    chain_length:
      'Many tool calls without user input: look at the session timeline for a loop or an injected task; stop the session if the calls are not what the user asked for.',
  },
  onEvent(event: McpEvent, state, { rules }) {
    const cfg = rules.chain_length;
    if (event.kind !== 'tool_call' || !cfg.enabled) return [];
    if (state.turn_id !== event.turn_id) {
      state.turn_id = event.turn_id;
      state.calls = 0;
      state.first_event = event.event_id;
    }
    state.calls = Math.max(state.calls + 1, event.chain_index);
    if (state.calls <= cfg.max_calls) return [];
    return [
      {
        rule: 'chain_length',
        severity: cfg.severity,
        key: [event.session_id, event.turn_id],
        evidence: [state.first_event, event.event_id],
        tool: '',
        summary: `${state.calls} tool calls in one user turn (threshold ${cfg.max_calls}); the latest is ${event.server_name}/${event.tool}.`,
        details: { calls: String(state.calls), threshold: String(cfg.max_calls), turn_id: event.turn_id },
      },
    ];
  },
});
