import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ContentReadEvent, McpEvent, Severity, ToolCallEvent } from '../../model/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { defineDetector, type DetectorContext, type Finding } from '../engine/detector.js';
import { nameTokens } from '../lint/tool-capabilities.js';
import {
  findActionableStrings,
  isDestinationKind,
  provenanceCandidates,
  type ActionableKind,
  type ActionableString,
} from './actionable-strings.js';
import { callSink, type SinkKind } from './call-signals.js';
import { requestSentences, resultInjection } from './injected-result.js';
import {
  assistantOutputRequest,
  honoursPlea,
  leavesDestinationToData,
  UserRequest,
  userTurnRequest,
} from './user-request.js';

/** A string that entered the model's context from a tool result or resource. */
const Origin = z.object({
  /** Digest of `kind:normalised` (`actionable-strings.ts`). */
  n: z.string(),
  /** Event id, server/tool, event time, and whether that content looked injected. */
  e: z.string(),
  s: z.string(),
  ms: z.number(),
  inj: z.boolean(),
  /** The content said its destination changed ("our new bank account is …"). */
  chg: z.boolean().optional(),
  /** Its only injection shape was a plea to its reader ("please transfer to …"), which a user may ask to honour. */
  plea: z.boolean().optional(),
});
type Origin = z.infer<typeof Origin>;

const State = z.object({
  /** Digests of the strings of the user's own turns: whatever the user wrote is sanctioned. */
  user: z.array(z.string()),
  /** Strings from results, oldest first. */
  seen: z.array(Origin),
  /** What the user asked for (`user-request.ts`). */
  request: UserRequest.optional(),
});
type State = z.infer<typeof State>;

const PER_EVENT = 32;

/**
 * State keeps digests, not the strings: it goes to the changelog topic, and a URL can carry a
 * token. The alert shows the string as the call wrote it (masked by the engine).
 */
function stringDigest(norm: string): string {
  return createHash('sha256').update(norm, 'utf8').digest('base64url').slice(0, 16);
}
const MAX_EXCERPT = 120;

interface Match {
  string: ActionableString;
  origin: Origin;
  destination: boolean;
  key: string;
  severity: Severity;
}

const SEVERITY_ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const worse = (a: Severity, b: Severity): boolean => SEVERITY_ORDER.indexOf(a) > SEVERITY_ORDER.indexOf(b);

function remember(list: string[], values: readonly string[], max: number): void {
  for (const value of values) if (!list.includes(value)) list.push(value);
  if (list.length > max) list.splice(0, list.length - max);
}

function rememberOrigins(
  state: State,
  found: readonly ActionableString[],
  eventId: string,
  source: string,
  ms: number,
  inj: (string: ActionableString) => boolean,
  max: number,
  flags: { chg?: boolean; plea?: boolean } = {},
): void {
  for (const string of found)
    state.seen.push({
      n: stringDigest(string.norm),
      e: eventId,
      s: source,
      ms,
      inj: inj(string),
      ...(flags.chg === true ? { chg: true } : {}),
      ...(flags.plea === true ? { plea: true } : {}),
    });
  if (state.seen.length > max) state.seen.splice(0, state.seen.length - max);
}

function contentText(event: ToolCallEvent | ContentReadEvent): string {
  if (event.kind === 'content_read') return event.content.text;
  return event.error_message === '' ? event.result.text : `${event.result.text}\n${event.error_message}`;
}

/** Each string or number leaf of the arguments with the name of the key that holds it. */
function leaves(value: unknown, key: string, out: Array<[string, string]>, depth = 0): void {
  if (depth > 16 || out.length >= 256) return;
  if (typeof value === 'string') out.push([key, value]);
  else if (typeof value === 'number') out.push([key, String(value)]);
  else if (Array.isArray(value)) for (const item of value) leaves(item, key, out, depth + 1);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) leaves(v, k, out, depth + 1);
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sinkSeverity(sink: SinkKind, rules: DetectorRules): Severity {
  return sink === 'write' ? rules.result_steered.write_severity : rules.result_steered.severity;
}

function findSteering(
  event: ToolCallEvent,
  sink: SinkKind,
  state: State,
  ctx: DetectorContext,
): Match | null {
  const cfg = ctx.rules.result_steered;
  const pairs: Array<[string, string]> = [];
  leaves(parseArguments(event.arguments.text), '', pairs);
  let best: Match | null = null;
  for (const [key, value] of pairs) {
    const keyNamesDestination = nameTokens(key).some((t) => cfg.destination_keys.includes(t));
    for (const string of provenanceCandidates(value, key, PER_EVENT)) {
      const digest = stringDigest(string.norm);
      if (state.user.includes(digest)) continue;
      const origin = latestOrigin(state, digest, ctx.ms, cfg.window_ms);
      if (origin === null || pointedByUser(origin, sink, string.kind, state)) continue;
      // Orders and customer records hand street addresses to tools all day: only an
      // injection-shaped source makes one suspect.
      if (string.kind === 'address' && !origin.inj) continue;
      // Numbers are destinations only under a key that says so: elsewhere they are ids and amounts.
      const wholeValue = string.kind !== 'number' && value.trim() === string.written;
      const destination = isDestinationKind(string.kind) && (keyNamesDestination || wholeValue);
      let severity: Severity | null = null;
      if (destination) severity = origin.inj ? cfg.injected_severity : sinkSeverity(sink, ctx.rules);
      else if (origin.inj) severity = sinkSeverity(sink, ctx.rules);
      if (severity !== null && (best === null || worse(severity, best.severity)))
        best = { string, origin, destination, key, severity };
    }
  }
  return best;
}

/**
 * Which strings of a result came with injection: all of them when it has text shapes aimed at the
 * model; when its only shape is a request to its reader, those in the request's sentences — a
 * ticket's "please send a replacement" does not make the customer's phone beside it the attacker's.
 */
function injectedStrings(
  event: ToolCallEvent | ContentReadEvent,
  text: string,
  ctx: DetectorContext,
): (string: ActionableString) => boolean {
  const injection = resultInjection(event, ctx);
  if (injection === null) return () => false;
  if (injection.shapes !== 'person_request') return () => true;
  const requests = requestSentences(text, ctx.rules);
  return (string) => requests.some((sentence) => sentence.includes(string.written));
}

/**
 * The user asked for this kind of action and left its destination to the data (`user-request.ts`),
 * and the origin is a result that looked like plain data (or a plea to its reader the user asked to
 * honour, `honoursPlea`) and did not announce a changed destination: the user chose it. What an attacker needs is the other case: a read or summary that
 * the result turns into a send or payment, or a result that speaks to the model.
 */
function pointedByUser(origin: Origin, sink: SinkKind, kind: ActionableKind, state: State): boolean {
  if (origin.chg === true) return false;
  if (origin.inj) return origin.plea === true && honoursPlea(state.request, sink, kind);
  return leavesDestinationToData(state.request, sink, kind);
}

function latestOrigin(state: State, norm: string, ms: number, windowMs: number): Origin | null {
  for (let i = state.seen.length - 1; i >= 0; i--) {
    const origin = state.seen[i]!;
    if (origin.n === norm && origin.ms <= ms && ms - origin.ms <= windowMs) return origin;
  }
  return null;
}

/**
 * Provenance across a session: an outbound, paying, posting, deleting or writing call whose
 * destination (address, account, URL, channel, phone) came from an earlier tool result, resource or
 * server catalog and from none of the user's turns — the result steered the action. Payload strings from a result
 * count too when that result looked injected.
 */
export const resultSteeredDetector = defineDetector<State>({
  id: 'result_steered',
  kinds: ['turn', 'assistant_output', 'catalog', 'tool_call', 'content_read'],
  state: {
    key: (e) => `${e.tenant}/${e.session_id}`,
    initial: () => ({ user: [], seen: [] }),
    schema: State,
    expires: true,
  },
  runbooks: {
    result_steered_action:
      'A call sent, paid, posted, deleted or wrote to something the user never named but a tool result did: open the source result in the session timeline, check whether the user wanted this; if not, undo the action (recall the message, reverse the payment, revoke the access) and treat the source as hostile.',
  },
  onEvent(event: McpEvent, state, ctx) {
    const cfg = ctx.rules.result_steered;
    if (!cfg.enabled) return [];
    if (event.kind === 'turn') {
      if (event.phase === 'start') {
        remember(
          state.user,
          provenanceCandidates(event.text.text, '', cfg.max_strings).map((s) => stringDigest(s.norm)),
          cfg.max_strings,
        );
        state.request = userTurnRequest(state.request, event.text.text, ctx.rules);
      }
      return [];
    }
    if (event.kind === 'assistant_output') {
      state.request = assistantOutputRequest(state.request, event.text.text, ctx.rules);
      return [];
    }
    if (event.kind === 'catalog') {
      // Descriptions and instructions reach the model too; whether they are poisoned is catalog lint's call.
      const text =
        event.instructions === '' ? event.items.text : `${event.items.text}\n${event.instructions}`;
      rememberOrigins(
        state,
        findActionableStrings(text, PER_EVENT),
        event.event_id,
        `${event.server_name} catalog`,
        ctx.ms,
        () => false,
        cfg.max_strings,
      );
      return [];
    }
    if (event.kind !== 'tool_call' && event.kind !== 'content_read') return [];
    const out: Finding[] = [];
    if (event.kind === 'tool_call') {
      const sink = callSink(event, ctx);
      const match = sink === null || state.seen.length === 0 ? null : findSteering(event, sink, state, ctx);
      if (sink !== null && match !== null) {
        const { string, origin } = match;
        const role = match.destination ? 'destination' : 'payload';
        out.push({
          rule: 'result_steered_action',
          severity: match.severity,
          key: [event.session_id, event.tool, stringDigest(string.norm)],
          evidence: [origin.e, event.event_id],
          summary: `${event.server_name}/${event.tool} (${sink}) used ${string.kind} '${string.written.slice(0, MAX_EXCERPT)}' as its ${role} (argument '${match.key || '(whole)'}'); that value came from the result of ${origin.s} (event ${origin.e}${origin.inj ? ', which looked injected' : ''}) and not from the user's request.`,
          details: {
            sink,
            role,
            string_kind: string.kind,
            string: string.written.slice(0, MAX_EXCERPT),
            argument: match.key,
            source_event: origin.e,
            source: origin.s,
            source_looked_injected: String(origin.inj),
          },
        });
      }
    }
    const text = contentText(event);
    const found = findActionableStrings(text, PER_EVENT);
    if (found.length > 0) {
      const source = `${event.server_name}/${event.kind === 'tool_call' ? event.tool : event.target}`;
      const chg = ctx.rules.compiled.changedDestination.test(text);
      const plea = resultInjection(event, ctx)?.shapes === 'person_request';
      const inj = injectedStrings(event, text, ctx);
      rememberOrigins(state, found, event.event_id, source, ctx.ms, inj, cfg.max_strings, { chg, plea });
    }
    return out;
  },
});
