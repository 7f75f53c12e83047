import { z } from 'zod';
import type { ContentReadEvent, McpEvent, ToolCallEvent } from '../../model/index.js';
import type { DetectorRules, TextShape } from '../config/detector-rules.js';
import { defineDetector, type DetectorContext, type Finding } from '../engine/detector.js';
import { excerptAround, findTextShapes } from '../lint/text-shapes.js';
import { callCapabilities, callSink, sensitiveRead } from './call-signals.js';
import {
  assistantOutputRequest,
  leavesDestinationToData,
  UserRequest,
  userTurnRequest,
} from './user-request.js';

const State = z.object({
  injected: z
    .object({
      event_id: z.string(),
      turn_id: z.string(),
      server: z.string(),
      tool: z.string(),
      shapes: z.string(),
    })
    .nullable(),
  /** What the user asked for (`user-request.ts`). */
  request: UserRequest.optional(),
});
type State = z.infer<typeof State>;

/** Injection-shaped text in a result or content: the shapes found and where the first one is. */
export interface Injection {
  shapes: string;
  start: number;
  end: number;
}

/**
 * Whether the content of a call or read looked injected: the configured text shapes, or a request
 * addressed to the reader to act (`person_request`). Judged once per event for every detector.
 */
export function resultInjection(
  event: ToolCallEvent | ContentReadEvent,
  ctx: DetectorContext,
): Injection | null {
  if (ctx.facts.injection === undefined)
    ctx.facts.injection = judgeInjection(contentOf(event).text, ctx.rules);
  return ctx.facts.injection;
}

/**
 * The sentences of `text` that hold a request addressed to its reader (`person_request`): where a
 * plea's own destination is, as opposed to a record's other fields (the customer's phone beside
 * "please send a replacement").
 */
export function requestSentences(text: string, rules: DetectorRules): string[] {
  const request = rules.compiled.personRequest;
  const out: string[] = [];
  request.lastIndex = 0;
  for (let m = request.exec(text); m !== null && out.length < MAX_REQUESTS; m = request.exec(text)) {
    if (m[0] === '') request.lastIndex++;
    let start = m.index;
    while (start > 0 && !endsSentence(text, start - 1)) start--;
    let end = m.index + m[0].length;
    while (end < text.length && !endsSentence(text, end)) end++;
    const sentence = text.slice(start, end);
    if (out.at(-1) !== sentence) out.push(sentence);
  }
  request.lastIndex = 0;
  return out;
}
const MAX_REQUESTS = 16;

/**
 * Whether the character at `i` ends a sentence: a full stop, question or exclamation mark before
 * a space or the end (not the dots of an address), a line break, or a quote (a field of a record).
 */
function endsSentence(text: string, i: number): boolean {
  const c = text[i];
  if (c === '\n' || c === '"') return true;
  return (c === '.' || c === '!' || c === '?') && (i + 1 === text.length || /\s/.test(text[i + 1]!));
}

const shapeSets = new WeakMap<DetectorRules, ReadonlySet<TextShape>>();

function judgeInjection(text: string, rules: DetectorRules): Injection | null {
  let only = shapeSets.get(rules);
  if (only === undefined) shapeSets.set(rules, (only = new Set<TextShape>(rules.injected_result.shapes)));
  const hits: Array<{ shape: string; start: number; end: number }> = findTextShapes(text, rules, only);
  const request = rules.compiled.personRequest;
  request.lastIndex = 0;
  const m = request.exec(text);
  request.lastIndex = 0;
  if (m !== null) hits.push({ shape: 'person_request', start: m.index, end: m.index + m[0].length });
  if (hits.length === 0) return null;
  hits.sort((a, b) => a.start - b.start);
  return {
    shapes: [...new Set(hits.map((h) => h.shape))].join(', '),
    start: hits[0]!.start,
    end: hits[0]!.end,
  };
}

function contentOf(event: ToolCallEvent | ContentReadEvent): { text: string; where: string; tool: string } {
  if (event.kind === 'tool_call') {
    return {
      text: event.error_message === '' ? event.result.text : `${event.result.text}\n${event.error_message}`,
      where: event.is_error ? 'error' : 'result',
      tool: event.tool,
    };
  }
  return { text: event.content.text, where: event.method, tool: event.target };
}

/**
 * T02 indirect prompt injection: a tool result, error or resource/prompt content with the shapes
 * of text aimed at the model; and, stronger, a sensitive or outbound call later in the same turn.
 */
export const injectedResultDetector = defineDetector<State>({
  id: 'injected_result',
  kinds: ['tool_call', 'content_read', 'egress', 'turn', 'assistant_output'],
  state: {
    key: (e) => `${e.tenant}/${e.session_id}`,
    initial: () => ({ injected: null }),
    schema: State,
    expires: true,
  },
  runbooks: {
    injected_result:
      'Injection-shaped content reached the model: open the session timeline, read the flagged result and check whether the model followed it; treat the source (page, issue, file) as hostile.',
    injected_result_followup:
      'The model made a sensitive or outbound call right after reading injection-shaped content: assume it obeyed. Check the call arguments and destination, rotate any credential it could read, block the destination.',
  },
  onEvent(event: McpEvent, state, ctx) {
    const { rules } = ctx;
    const cfg = rules.injected_result;
    if (!cfg.enabled) return [];
    if (event.kind === 'turn') {
      if (event.phase === 'start') {
        state.injected = null;
        state.request = userTurnRequest(state.request, event.text.text, rules);
      }
      return [];
    }
    if (event.kind === 'assistant_output') {
      state.request = assistantOutputRequest(state.request, event.text.text, rules);
      return [];
    }
    const out: Finding[] = [];
    const injected = state.injected;
    const sameTurn = injected !== null && event.turn_id !== '' && injected.turn_id === event.turn_id;
    // After a plea to its reader, a call's own sink kind says whether the user asked for it (below);
    // its destination, seen first as egress, defers to that judgement.
    const plea =
      injected?.shapes === 'person_request' &&
      state.request !== undefined &&
      (state.request.named ?? []).length === 0;
    if (injected !== null && sameTurn) {
      let why: string | null = null;
      if (event.kind === 'egress') {
        if (event.source_event_id !== injected.event_id && !(plea && event.channel === 'tool_argument'))
          why = `outbound ${event.channel.replace('_', ' ')} to ${event.dest_host}`;
      } else if (event.kind === 'tool_call') {
        const caps = callCapabilities(event, ctx);
        const read = sensitiveRead(event, ctx);
        const sink = callSink(event, ctx);
        // A plea to its reader (a bill's "please transfer to …", a README's steps) followed by the
        // kind of action the user asked for is the user's request carried out; other shapes still count.
        const asked = plea && sink !== null && leavesDestinationToData(state.request, sink);
        if (asked) why = null;
        else if (read !== null) why = read;
        else if (caps.exec || caps.write || caps.network) {
          why = `a ${[caps.exec && 'exec', caps.write && 'write', caps.network && 'network'].filter(Boolean).join('/')} call`;
        } else if (sink !== null) why = `a ${sink} call`;
      }
      if (why !== null) {
        out.push({
          rule: 'injected_result_followup',
          severity: cfg.followup_severity,
          key: [event.session_id, injected.event_id],
          evidence: [injected.event_id, event.event_id],
          summary: `After ${injected.server}/${injected.tool} returned injection-shaped content (${injected.shapes}), the model made ${why} in the same turn${event.kind === 'tool_call' ? ` (${event.server_name}/${event.tool})` : ''}.`,
          details: { injected_event: injected.event_id, injected_tool: injected.tool, followup: why },
        });
      }
    }
    if (event.kind === 'tool_call' || event.kind === 'content_read') {
      const { text, where, tool } = contentOf(event);
      const first = resultInjection(event, ctx);
      if (first !== null) {
        const shapes = first.shapes;
        state.injected = {
          event_id: event.event_id,
          turn_id: event.turn_id,
          server: event.server_name,
          tool,
          shapes,
        };
        out.push({
          rule: 'injected_result',
          // A request in data alone is weak (mail asks its reader things); obeyed, it is the follow-up.
          severity: shapes === 'person_request' ? cfg.request_severity : cfg.severity,
          key: [event.session_id, event.server_name, tool],
          evidence: [event.event_id],
          tool,
          summary: `The ${where} of ${event.server_name}/${tool} contains text aimed at the model (${shapes}): ${excerptAround(text, first.start, first.end)}`,
          details: { shapes, where, excerpt: excerptAround(text, first.start, first.end) },
        });
      }
    }
    return out;
  },
});
