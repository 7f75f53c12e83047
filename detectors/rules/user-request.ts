import type { DetectorRules } from '../config/detector-rules.js';
import type { SinkKind } from './call-signals.js';

/**
 * The sink kinds a user's turn aims at data that the turn's results return: "reply to the sender of
 * the last email" (send), "pay the invoice in my inbox" (pay). A verb of a kind and a pointer to data
 * (`result_steered.user_pointers`) must share a clause, the verb opening it, so that "pay my bill, the amount is in the
 * statement" points the amount, not the payee, at the statement; a turn that says where the
 * destination is ("her email is in the booking form", `user_locates_destination`) points the verbs
 * of all its clauses. Asking to follow a result's steps (`user_adopts`) aims every kind at it.
 */
export function pointedSinks(text: string, rules: DetectorRules): SinkKind[] {
  const cfg = rules.result_steered;
  const verbs: Array<[SinkKind, readonly string[]]> = [
    ['send', [...cfg.send_tokens, ...cfg.user_verbs]],
    ['pay', cfg.pay_tokens],
    ['delete', cfg.delete_tokens],
    ['write', cfg.write_tokens],
  ];
  if (rules.compiled.userAdopts.test(text)) return ['exec', ...verbs.map(([kind]) => kind)];
  const kinds = new Set<SinkKind>();
  const located = rules.compiled.userLocatesDestination.test(text);
  for (const clause of text.split(CLAUSE)) {
    if (!located && !rules.compiled.userPointer.test(clause)) continue;
    const words = clause.toLowerCase().match(WORD) ?? [];
    const at = words.findIndex((w) => !POLITE.has(w));
    const verb = words[at];
    // "give me the details of …", "send us a summary": the user is the recipient, not the data.
    if (verb === undefined || TO_THE_USER.has(words[at + 1] ?? '')) continue;
    for (const [kind, list] of verbs) if (list.includes(verb)) kinds.add(kind);
  }
  // Inviting, sharing and messaging reach people through send and write tools alike
  // (`create_event` with attendees, `share_document`): either asked covers both.
  if (kinds.has('send') || kinds.has('write')) {
    kinds.add('send');
    kinds.add('write');
  }
  return [...kinds];
}

const TO_THE_USER = new Set(['me', 'us', 'myself']);
const CLAUSE = /[,;.!?\n]|\b(?:and|then|but)\b/i;
const WORD = /[a-z]+/g;
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
