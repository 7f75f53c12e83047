import { z } from 'zod';
import type { DetectorRules } from '../config/detector-rules.js';
import { findActionableStrings, isDestinationKind, type ActionableKind } from './actionable-strings.js';
import type { SinkKind } from './call-signals.js';

/**
 * What the user has asked the model to do, kept per session by the detectors that judge whether an
 * action was the user's: the sink kinds requested (`asks`), the kinds of destination the request
 * named itself (`named`: a channel in "post the summary in #inc-4412"), and the kinds the model
 * last offered to do (`offered`, from a question in its output: "Shall I send it to her?").
 */
export const UserRequest = z.object({
  asks: z.array(z.string()),
  named: z.array(z.string()).optional(),
  /** The turn spoke of a destination without giving it ("the account is written there", "the link they sent"). */
  refers: z.boolean().optional(),
  offered: z.array(z.string()),
});
export type UserRequest = z.infer<typeof UserRequest>;

/**
 * A user's turn: the kinds it requests replace the earlier request; a turn that confirms ("yes, go
 * ahead", "ok the 12th works, go ahead") keeps the unfinished request and adds what the model offered.
 */
export function userTurnRequest(
  previous: UserRequest | undefined,
  text: string,
  rules: DetectorRules,
): UserRequest {
  const asks = requestedSinks(text, rules);
  const named = new Set<string>(
    findActionableStrings(text, MAX_STRINGS)
      .filter((s) => isDestinationKind(s.kind))
      .map((s) => s.kind),
  );
  const confirms = rules.compiled.userConfirms.test(text);
  if (confirms) {
    for (const kind of [...(previous?.asks ?? []), ...(previous?.offered ?? [])])
      if (!asks.includes(kind as SinkKind)) asks.push(kind as SinkKind);
    for (const kind of previous?.named ?? []) named.add(kind);
  }
  const refers =
    (text.toLowerCase().match(WORD) ?? []).some((w) => DESTINATION_WORDS.has(w)) ||
    (confirms && previous?.refers === true);
  return { asks: coverEachOther(asks), named: [...named], refers, offered: [] };
}

/**
 * The user asked for this kind of action and left its destination of this kind to the data ("reply
 * to the dentist", "pay the school trip, the account is in the letter"); a request that named a
 * channel itself ("post the summary in #inc-4412") did not ask for another channel a result offers,
 * though it may leave a person's handle to the data ("DM whoever posted the tip in #tips"). Without
 * a kind, any destination the request named keeps the call's to the user.
 */
export function leavesDestinationToData(
  request: UserRequest | undefined,
  sink: SinkKind,
  kind?: ActionableKind,
): boolean {
  if (request === undefined || !request.asks.includes(sink)) return false;
  const named = request.named ?? [];
  return kind === undefined ? named.length === 0 : !named.includes(kind);
}

/**
 * A plea to its reader in a result ("please transfer to …", "please upload it at …") is the user's
 * to honour when the user asked for that kind of action, left its destination to the data and spoke
 * of one ("the account is written there", "the portal link the agent sent"); "text the customer on
 * ticket 8812" does not ask for the number a plea in that ticket names.
 */
export function honoursPlea(
  request: UserRequest | undefined,
  sink: SinkKind,
  kind?: ActionableKind,
): boolean {
  return request?.refers === true && leavesDestinationToData(request, sink, kind);
}

/** The model's output: the kinds its questions offer to do. */
export function assistantOutputRequest(
  previous: UserRequest | undefined,
  text: string,
  rules: DetectorRules,
): UserRequest {
  const offered = new Set<SinkKind>();
  for (const question of text.match(QUESTION) ?? [])
    for (const word of question.toLowerCase().match(WORD) ?? [])
      for (const [kind, list] of verbLists(rules)) if (list.includes(word)) offered.add(kind);
  return { ...(previous ?? { asks: [] }), offered: coverEachOther([...offered]) };
}

/**
 * The sink kinds a user's turn requests: a verb of a kind opening a clause ("reply to the dentist",
 * "can you answer Mr Brandt", "text him thursday is fine"), or a light verb opening one with a noun
 * of a kind ("make the payment for the school trip"). Asking to follow a result's steps
 * (`user_adopts`) requests every kind.
 */
export function requestedSinks(text: string, rules: DetectorRules): SinkKind[] {
  const verbs = verbLists(rules);
  if (rules.compiled.userAdopts.test(text)) return ['exec', ...verbs.map(([kind]) => kind)];
  if (locatesOnlyData(text, rules)) return [];
  const kinds = new Set<SinkKind>();
  for (const clause of text.split(CLAUSE)) {
    const words = clause.toLowerCase().match(WORD) ?? [];
    const at = words.findIndex((w) => !POLITE.has(w));
    const verb = words[at];
    // "give me the details of …", "send us a summary": the user is the recipient, not the data.
    if (verb === undefined || TO_THE_USER.has(words[at + 1] ?? '')) continue;
    const named = LIGHT_VERBS.has(verb) ? words.slice(at + 1) : [verb];
    for (const [kind, list] of verbs) if (named.some((w) => list.includes(w))) kinds.add(kind);
  }
  return coverEachOther([...kinds]);
}

/**
 * The turn says which field to take from data and it is not a destination ("pay my bill, the amount
 * is in the statement"): the data supplies that field, the destination stays the user's to give.
 * "her email is in the booking form" locates a destination and restricts nothing.
 */
function locatesOnlyData(text: string, rules: DetectorRules): boolean {
  const fields = [...text.toLowerCase().matchAll(LOCATED_FIELD)].map((m) => m[1]!);
  return (
    fields.length > 0 &&
    !fields.some((f) => rules.result_steered.destination_keys.includes(f) || DESTINATION_WORDS.has(f))
  );
}

function verbLists(rules: DetectorRules): Array<[SinkKind, readonly string[]]> {
  const cfg = rules.result_steered;
  return [
    ['send', [...cfg.send_tokens, ...cfg.user_verbs]],
    ['pay', cfg.pay_tokens],
    ['delete', cfg.delete_tokens],
    ['write', cfg.write_tokens],
  ];
}

/**
 * Inviting, sharing and messaging reach people through send and write tools alike (`create_event`
 * with attendees, `share_document`): either asked covers both.
 */
function coverEachOther(kinds: SinkKind[]): SinkKind[] {
  if (kinds.includes('send') || kinds.includes('write'))
    for (const kind of ['send', 'write'] as const) if (!kinds.includes(kind)) kinds.push(kind);
  return kinds;
}

const MAX_STRINGS = 32;
const TO_THE_USER = new Set(['me', 'us', 'myself']);
const LOCATED_FIELD = /\b(?:the|his|her|their|its|my|our)\s+([a-z]+)\s+(?:is|are)\s+(?:in|on|at)\b/g;
// Words for where an action goes; "email" is left out, being the message as often as the address.
const DESTINATION_WORDS = new Set([
  'account',
  'iban',
  'address',
  'number',
  'phone',
  'link',
  'url',
  'portal',
  'wallet',
  'handle',
  'details',
]);
const CLAUSE = /[,;.!?:\n]|\b(?:and|then|but)\b/i;
const WORD = /[a-z]+/g;
const QUESTION = /[^.!?\n]*\?/g;
// "make the payment", "do the transfer", "arrange a refund": the kind is in the noun.
const LIGHT_VERBS = new Set(['make', 'do', 'process', 'arrange', 'handle', 'issue']);
// Words before the verb of a request: the verb must open the clause ("please reply to …"), so that
// a noun ("any new texts from the bank?") is not read as one.
const POLITE = new Set([
  'please',
  'kindly',
  'can',
  'could',
  'would',
  'will',
  'you',
  'just',
  'also',
  'now',
  'go',
  'ahead',
]);
