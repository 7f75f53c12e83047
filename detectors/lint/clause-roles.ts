import type { DetectorRules } from '../config/detector-rules.js';

/**
 * Roles inside one sentence of catalog prose, read from its grammar rather than from stock phrases,
 * so that they hold on wordings nobody listed: whether the tool itself is the subject (the sentence
 * describes the tool's own work), whether the person the model answers is the one who must not know,
 * see or hear something (withholding), whether it scripts the answer to a question that person may
 * ask (a cover story), and whether it orders a call of a tool as a next step (a chain).
 */

// "Sends a welcome DM …", "Hey 👋 Creates the …": a verb in the third person opening the sentence,
// with its object after it — the tool is the subject. An interjection with a symbol may come first.
const THIRD_PERSON_OPENER =
  /^[^A-Za-z]*(?:[A-Za-z]+\s*[^\sA-Za-z]+\s*)?([A-Z][a-z]+)\s+(?:a|an|the|your|one|all|each|every|its|their|this|that|these|those|any|some|new|up to|\d+)\b/;

function verbBases(word: string): string[] {
  const lower = word.toLowerCase();
  if (lower.endsWith('ies')) return [`${lower.slice(0, -3)}y`];
  if (lower.endsWith('es')) return [lower.slice(0, -2), lower.slice(0, -1)];
  if (lower.endsWith('s') && !lower.endsWith('ss')) return [lower.slice(0, -1)];
  return [];
}

/** Whether the sentence opens with the tool's own verb ("Sends a …"): it says what the tool does. */
export function describesOwnWork(sentence: string, rules: DetectorRules): boolean {
  const verb = THIRD_PERSON_OPENER.exec(sentence)?.[1];
  if (verb === undefined) return false;
  const imperatives = rules.compiled.sentence.imperatives;
  return verbBases(verb).some((base) => {
    imperatives.lastIndex = 0;
    const m = imperatives.exec(base);
    return m !== null && m[0].length === base.length;
  });
}

// A clause: the parts of a sentence between semicolons, colons, dashes, and a comma before a conjunction.
const CLAUSE_BREAK = /[;:—–]\s*|,\s+(?=(?:so|but|and|while|whereas|yet)\b)|\s+-\s+/;
// Knowing, perceiving or being told — what the audience of the answer would do with the withheld thing.
const KNOWING =
  /\b(?:know|knows|knowing|find(?:s|ing)? out|found out|learn(?:s|ed|t|ing)?|hear(?:s|d|ing)?|see|sees|seeing|seen|notic(?:e|es|ed|ing)|read|reads|reading|discover(?:s|ed|ing)?|reali[sz](?:e|es|ed|ing)|aware|awareness|told|informed|disclos(?:e|ed|ing|ure)|(?:full|whole|real) (?:story|details|picture|truth))\b/i;
// What keeps the audience from it: a negation before the knowing, or "only … and nothing more" after.
const NEGATION = /(?:\b(?:not|never|no|none|nobody|no one|nothing|without)\b|n't\b|n.t\b)/i;
const LIMITER = /\b(?:only|solely|and nothing (?:more|else)|and no more)\b/i;
// A judgement or an order about it rather than a statement of what the tool does: a modal, a
// preference ("it is better that …"), "not for …", "nothing more".
const PRESCRIPTION =
  /\b(?:must|should|shall|ought|better|best|preferable|preferably|ideally|rather|prefer|need|needs|needn.t|no need|no reason|not for|is to|are to|nothing (?:more|else))\b/i;
// "would be upset to learn …": the reason to keep it back, a barrier and a judgement at once.
const DREADED = /\b(?:upset|unhappy|alarmed|worried|angry|annoyed|uneasy|surprised) to $/i;
// The one the model answers, named by role: "the teacher you are helping", "whoever's asking".
const ANSWERED =
  /\b(?:end[- ]?users?|whoever|they|the (?:\w+ ){1,2}(?:you(?:'re|’re| are)?|who(?:'s|’s| is)?) (?:help|assist|serv|talk|chat|answer|ask|work)\w*)\b/i;
// "none of their business", "not the user's concern": the audience's own stake denied.
const NOT_THEIR_CONCERN =
  /\b(?:none of|not|no) (?:their|the (?:\w+ ){0,2}\w+(?:'s|’s)|your (?:\w+ ){0,2}\w+(?:'s|’s)) (?:business|concern|affair)\b/i;
// "this tool will not notify them": what the tool does, not what the model should keep back.
const TOOL_SUBJECT =
  /\b(?:it|this (?:tool|function|server)|the (?:tool|function|server|system|call))\s+(?:will|would|does|did|can|may)\b/i;
// "do not tell the user a document is valid before the check returns": telling too early, not withholding.
const TOO_EARLY = /\b(?:before|until)\b/i;

const AUDIENCE_WORDS = 10;

// Only a person can be unaware: whoever is said to stay so is the audience, kept from it.
const KEPT_UNAWARE =
  /\b(?:stays?|remains?|is kept|are kept|be kept|keep \w+|leave \w+|left) (?:\w+ )?(?:unaware|oblivious|in the dark|none the wiser)\b/i;
// "invisible to the person asking": hidden from someone named after it.
const HIDDEN_TO = /\b(?:invisible|hidden|unknown|unseen|unnoticed|concealed) (?:to|from) ([^,;.]{0,40})/i;
// "the less the user knows …, the better".
const LESS_THE_BETTER =
  /\bthe less\b[^.;]{0,60}\b(?:knows?|hears?|sees?|learns?|notices?)\b[^.;]{0,60}\bthe better\b/i;
// "strictly between you and us": a confidence shared with the model alone.
const BETWEEN_YOU =
  /\bbetween (?:you|the (?:model|assistant|agent|ai)) and (?:me|us|the \w+|this \w+|our \w+)\b/i;
// "present the sync as a routine refresh": the action recast as something ordinary.
const RECAST =
  /\b(?:present|describe|frame|portray|pass (?:\w+ ){0,3}off|label|characteri[sz]e|report|explain)\b[^.;]{0,50}\bas (?:a |an |just |only |merely )?(?:routine|normal|ordinary|regular|standard|usual|harmless|simple|plain|mere)\b/i;

/** The clause keeping something from the person the model answers, or null. */
export function withholdingClause(sentence: string, rules: DetectorRules): string | null {
  const users = rules.compiled.sentence.users;
  const secrets = rules.compiled.sentence.secret_objects;
  for (const shape of [KEPT_UNAWARE, LESS_THE_BETTER, BETWEEN_YOU, RECAST]) {
    const m = shape.exec(sentence);
    if (m !== null && !secrets.test(sentence)) return m[0];
  }
  const hidden = HIDDEN_TO.exec(sentence);
  if (
    hidden !== null &&
    (users.test(hidden[1]!) || ANSWERED.test(hidden[1]!)) &&
    PRESCRIPTION.test(sentence)
  ) {
    return hidden[0];
  }
  for (const clause of sentence.split(CLAUSE_BREAK)) {
    const concern = NOT_THEIR_CONCERN.exec(clause);
    if (concern !== null) return concern[0];
    const knowing = KNOWING.exec(clause);
    if (knowing === null) continue;
    const before = clause.slice(0, knowing.index);
    const after = clause.slice(knowing.index + knowing[0].length);
    // The audience is the one who would know: named just before the knowing, not an object ("them").
    const subject = before.split(/\s+/).slice(-AUDIENCE_WORDS).join(' ');
    const audience = users.test(subject.replace(/\bthem\b/gi, '')) || ANSWERED.test(subject);
    const dreaded = DREADED.test(before);
    const barrier =
      dreaded || NEGATION.test(before) || LIMITER.test(after) || LIMITER.test(before.slice(-12));
    if (!audience || !barrier || !(dreaded || PRESCRIPTION.test(clause))) continue;
    // Keeping tokens and passwords from view protects the user; what is withheld here is not a secret.
    if (secrets.test(clause) || TOOL_SUBJECT.test(before) || TOO_EARLY.test(after)) continue;
    return clause.trim();
  }
  return null;
}

/** Whether a negated telling is bounded in time ("… before the check returns"): a sequence, not withholding. */
export function toldTooEarly(text: string): boolean {
  return TOO_EARLY.test(text);
}

// "If the shopper asks why the total changed, just say prices update": the answer to the user's
// question written in advance, with a word that cuts it short.
const ASKED_CONDITION =
  /^\W*(?:if|when|whenever|should|in case)\s+(?:\w+\s+){0,3}?(?:asks?|asked|wonders?|questions?|queries|inquires?|complains?|notices?|is curious)\b[^,;:]*[,;:]\s*(?:then\s+)?(.+)$/i;
const CUT_SHORT_ANSWER =
  /^(?:(?:just|simply|only|merely)\s+(?:say|tell|answer|reply|respond|explain|claim|state|mention|describe)|(?:say|reply|answer|respond|claim|state|tell (?:them|the \w+)|assure (?:them|the \w+))\s+that\b|(?:say|tell \w+|answer|reply|respond|explain|claim|state)\s+(?:only|just|simply|merely|(?:that\s+)?(?:it|this|that|the \w+)\s+(?:is|was|are|were|'s)\s+(?:just|only|simply|merely|normal|routine|standard|usual)))\b/i;

/** The scripted answer to a question the user may ask, or null. */
export function scriptedAnswer(sentence: string): string | null {
  const answer = ASKED_CONDITION.exec(sentence)?.[1];
  if (answer === undefined) return null;
  return CUT_SHORT_ANSWER.exec(answer)?.[0] ?? null;
}

// Words that put an action after another one: a next step. "Then" after an "if" is a consequence.
const NEXT_STEP =
  /(?:\b(?:next|afterwards?|after (?:that|this|which|it|you|\w+ing))|(?:^|[,;:]\s*|\b(?:and|but|then)\s+)once|\bwhen\b[^,;]{0,40}\b(?:has|have|is|are) (?:\w+ed|done|finished|complete|returned)|(?:isn.t|is not|not) (?:finished|done|complete|over) until|\bsubsequently|thereafter|follow(?:ed|ing)? (?:up|this|that|it)|(?:second|next|final|follow-up) step|stop there|in addition|additionally|also|as well|too|having \w+(?:ed|en|t))\b/i;
const THEN = /\bthen\b/i;
const IF_OPENING = /^\W*if\b/i;
// Running a tool: a verb whose object is a tool (not "calls", which is as often a noun).
const RUNS =
  /\b(?:call|calling|invok(?:e|es|ing)|run|running|be run|been (?:run|called|invoked|executed|triggered)|execut(?:e|es|ing)|use|using|trigger(?:ing)?|fire|kick(?:ing)? off|launch(?:ing)?|make a call to|have)\b/gi;
// "use X instead", "rather": an alternative to this tool, not a step after it.
const ALTERNATIVE = /\b(?:instead|rather than|alternatively|otherwise)\b/i;
// "a separate call", "the next launch": the verb's word used as a noun.
const AS_NOUN =
  /\b(?:a|an|the|same|separate|second|single|each|every|one|first|next|this|that|per|whole)\s+(?:\w+\s+)?$/i;
// "can make use of", "do not call": a possibility or a prohibition, not an order.
const NOT_ORDERED =
  /\b(?:not|never|no|avoid|without|can|could|may|might)\s+(?:\w+\s+){0,2}$|n.t\s+(?:\w+\s+)?$/i;
// A named tool or server, not a quantified or generic one ("any other tools", "the next tool calls").
const NAMED_TOOL =
  /\b(?:the|a|an)\s+(?!(?:next|same|separate|second|other|correct|right|this|that|own|appropriate|relevant)\b)(?:[\w-]+\s+){1,2}?(?:tool|function|server|integration|connector|plugin|app|service)(?:'s|’s)?(?!\s+(?:calls?|names?|parameters?|params?|ids?|urls?|uris?|list|config|settings?|version|response|results?|output|errors?|side|status)\b)/gi;
const WORDS_APART = 5;
// Another name between the verb and the tool ("call finalize_upload with the upload_id") is the verb's object.
const IDENTIFIER = /\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z]+[A-Z]\w*\b/;
// "then use the search tool to check …", "next call get_status": a next step that only reads is
// guidance on finding things out, not a second action with consequences.
const READ_PURPOSE =
  /^[^.;!?]{0,60}?\bto (?:get|list|read|search|find|fetch|query|describe|show|view|check|count|look|inspect|see|verify|confirm|open|browse|preview|discover|learn|understand|review)\b/i;

export interface NextStepCall {
  /** The word making it a next step ('then', 'once', 'follow up'). */
  step: string;
  /** The verb running the tool. */
  run: string;
  /** The tool or server run. */
  tool: string;
}

/**
 * A call of one of `foreign` (names of tools this server does not have) or of a named tool or
 * server, ordered as a next step: the tool within a few words of the verb that runs it, named for
 * an action that changes something (`changes`: `refund`, `delete_repo`), not one that only reads
 * (`reads`: a read verb such as `get`).
 */
export function nextStepCall(
  sentence: string,
  foreign: readonly string[],
  isOwn: (mention: string) => boolean,
  reads: (word: string) => boolean,
  changes: (word: string) => boolean,
): NextStepCall | null {
  if (ALTERNATIVE.test(sentence)) return null;
  const step =
    NEXT_STEP.exec(sentence)?.[0] ?? (IF_OPENING.test(sentence) ? undefined : THEN.exec(sentence)?.[0]);
  if (step === undefined) return null;
  const tools: Array<{ name: string; start: number; end: number }> = [];
  for (const name of foreign) {
    const at = sentence.indexOf(name);
    if (at >= 0) tools.push({ name, start: at, end: at + name.length });
  }
  for (const m of sentence.matchAll(NAMED_TOOL)) {
    if (!isOwn(m[0])) tools.push({ name: m[0].trim(), start: m.index, end: m.index + m[0].length });
  }
  if (tools.length === 0) return null;
  const wordsBetween = (from: number, to: number) => (sentence.slice(from, to).match(/\S+/g) ?? []).length;
  for (const run of sentence.matchAll(RUNS)) {
    const before = sentence.slice(Math.max(0, run.index - 30), run.index);
    if (NOT_ORDERED.test(before) || AS_NOUN.test(before)) continue;
    const runEnd = run.index + run[0].length;
    const tool = tools.find(
      (t) =>
        (t.start >= runEnd &&
          wordsBetween(runEnd, t.start) <= WORDS_APART &&
          !IDENTIFIER.test(sentence.slice(runEnd, t.start))) ||
        (t.end <= run.index && wordsBetween(t.end, run.index) <= WORDS_APART),
    );
    if (tool === undefined) continue;
    // The run verb's object ("call get_shipment on the carrier server") says what the step does.
    const object = tool.start >= runEnd ? sentence.slice(runEnd) : tool.name;
    const verb = /^\W*(?:(?:the|a|an)\s+)?([a-z]+)/i.exec(object)?.[1] ?? '';
    if (
      reads(verb.toLowerCase()) ||
      !changes(verb.toLowerCase()) ||
      READ_PURPOSE.test(sentence.slice(Math.max(runEnd, tool.end)))
    )
      continue;
    return { step, run: run[0], tool: tool.name };
  }
  return null;
}
