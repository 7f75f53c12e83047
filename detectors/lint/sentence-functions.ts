import type { DetectorRules, SentenceLexicon, SentenceRule } from '../config/detector-rules.js';
import { nameTokens } from './tool-capabilities.js';
import {
  describesOwnWork,
  nextStepCall,
  scriptedAnswer,
  toldTooEarly,
  withholdingClause,
} from './clause-roles.js';

/**
 * Catalog text judged by what each sentence does rather than which stock phrases it has: a
 * sentence addressed to the model or giving an order (a directive) is harmless while it is about the
 * tool's own job, and suspicious when it steers another tool, chains a second action, hides
 * something from the user, asks for the conversation or secrets, or carries a destination. Every
 * finding names the sentence and the concepts that made it.
 */

export interface Sentence {
  start: number;
  end: number;
  text: string;
}

export interface SentenceFinding {
  rule: SentenceRule;
  start: number;
  end: number;
  /** The concepts found, e.g. `directive ('should') · another tool's action ('message') · routing ('also')`. */
  why: string;
  /** Set when the sentence is weaker than its rule's usual severity. */
  severity?: 'low';
}

/** Where the text sits: whose tool it describes, and whether it is a parameter's text. */
export interface SentenceContext {
  /** The tool's own name: its own actions are not another tool's. */
  ownName: string;
  /** The server's own tools and the product words of their names (`shopify`): see `serverVocabulary`. */
  server: ServerVocabulary;
  /** The parameter the text belongs to (its description, default or enum), if any. */
  parameter?: string;
  /** The parameter path down to it (`auth.scheme`): a field under a credential parameter is the tool's own. */
  parameterPath?: string;
  /** The tool's own parameters: `include_resolved` names an option, not another tool. */
  parameters?: readonly string[];
  /** The tool takes a credential parameter (`auth`, `token`): its own text asking for one means that parameter. */
  takesCredential?: boolean;
}

export interface SentenceFeatures {
  addressed: string | null;
  obligation: string | null;
  imperative: string | null;
  directive: boolean;
}

// A sentence ends at . ! ? followed by a space and anything but lower case, or directly by a
// capitalised word or bold markup (docs converted without spaces); at a line break; or at a closing
// tag. Abbreviations (e.g., i.e.) are followed by lower case and do not split.
const SENTENCE_END = /[.!?]+(?=\s+[^a-z\s]|\*\*|[A-Z][a-z])|\n+|<\/[^>]{1,40}>/g;
const QUOTED = /"[^"\n]{3,120}"|“[^”\n]{3,120}”|'[^'\n]{3,120}'(?!\w)|`[^`\n]{3,120}`/g;
// A leading clause that sets a condition or time ("When you send mail, …"): the order follows it.
const LEADING_CLAUSE =
  /^\W*(?:when|whenever|if|once|after|before|prior to|each|every|any|for|while|until|as soon as|during|then|also|and|so|now|next|finally|please)\b[^,;:]{0,120}[,;:]\s*/i;
// The first word, when a sentence goes on after it: not a `name (type): …` parameter list entry,
// nor a noun phrase ("List of reviewers").
const CLAUSE_BREAK = /[,;:—–]\s+|\s+-\s+|\s+and then\s+/;
const FIRST_WORD = /^[^A-Za-z]*([A-Za-z]+(?:\s+on)?)(?=\s+(?!of\b)[^(\s])/;
// Words of tool names that name no product or server: they never make a mention "our own".
const GENERIC_NAME_WORDS = new Set(
  'get list create update delete remove search read write add set run fetch find new tool tools api data query info by to for of and in on with all any other id item items'.split(
    ' ',
  ),
);
const MARKUP = /<\/?[^<>]{1,40}>|\[\/?[A-Za-z_ ]{1,30}\]/g;
// "Do not include any API keys": a supply verb under negation asks for nothing.
const NEGATED_BEFORE = /\b(not|\w+n't|never|avoid|without|no)\s+(\w+\s+)?$/i;
const TOOL_BEHAVIOUR_BEFORE =
  /\b(it|this (tool|function|one)|the (tool|function|server|system|call))\s+(will|would|does|did|can|may)\s*(not|never|n.t)\b/i;
// "the user doesn't know X" states a fact; "the user needn't / mustn't / is not to know" keeps them out.
const KEPT_OUT =
  /\b(must|should|shall|need|needs|needn.t|has|have|is to|are to|ought|won.t|will|may|mustn.t|shouldn.t|be|made)\b/i;
const PROSE = /\S+\s+\S+\s+\S+/;
const CREDENTIAL_PARAMETER = /key|token|secret|passw|auth|credential|cookie|otp/i;
// A tool whose own job is to hand the model the server's guidance (retrieve_instructions,
// get_started, read_rules): asking to run first sets up the session rather than crowding out others.
const SETUP_NAME_WORDS =
  /^(instructions?|guidance|guide|guidelines|rules|onboarding|setup|started|init|initiali[sz]e|readme|conventions|help|manual)$/;
// "read resource 'shiplight://schemas/action-entity' before calling any other tools": reading the
// server's own resource (a custom scheme, not the web or the file system) first is setup too.
const READS_OWN_RESOURCE =
  /\b(read|load|fetch|consult|check|open)\b[^.!?\n]{0,40}\b(?!(?:https?|ftp|file|wss?|s3|gs|data|javascript):)[a-z][a-z0-9+.-]{1,30}:\/\//i;
// "all API keys", "every saved token": the quantifier within three words before the secret.
const QUANTIFIER_BEFORE = /\b(any|every|all|whatever)\s+(?:\S+\s+){0,3}$/i;
const STORED_COPY = /\b(a|the|one|each) (copy|copies) (is|are) (kept|stored|saved|retained)\b/i;
// "By default, we will send requests to your webhook URL whenever …": the service says what it does
// itself; a possessive "your" names the reader's thing and gives no order.
const SERVICE_IS_SUBJECT = /^(?:[^,.]{0,40},\s*)?we\b/i;
// `[delete the versions](#models.versions.delete)`: a link to an anchor of the same document.
const MARKDOWN_LINK_BEFORE = /\]\($/;
// "… may be added to the system prompt": the conversation is where the text goes, not what is taken.
const DESTINATION_BEFORE = /\b(to|into|onto)\s+(the\s+|your\s+|its\s+|their\s+)?$/i;
const ROUTING_PARAMETER =
  /^(b?cc|to|recipients?|forward_?to|reply_?to|destination|dest|payee.*|beneficiary|.*account.*|iban|wallet.*|.*address|channel|webhook.*|callback.*|.*_url|url|endpoint|email|phone|number)$/i;

interface Compiled {
  global: Map<SentenceLexicon, RegExp>;
  /** Each alternative of `actions` and `chained_actions` alone, to tell a tool's own action from another's. */
  alternatives: Map<SentenceLexicon, RegExp[]>;
  concealOrder: RegExp[];
  negatedTelling: RegExp;
}
const compiledFor = new WeakMap<DetectorRules, Compiled>();

function lexiconSources(rules: DetectorRules, name: SentenceLexicon): string {
  return rules.text_shapes.sentence_functions[name].map((s) => `(?:${s})`).join('|') || '(?!)';
}

function compiled(rules: DetectorRules): Compiled {
  let c = compiledFor.get(rules);
  if (c !== undefined) return c;
  const src = (name: SentenceLexicon) => `(?<![\\w@.+-])(?:${lexiconSources(rules, name)})(?![\\w@-])`;
  // The negation must govern the verb of telling (close by); the user may come a little later.
  // Nor across a dash: "cannot be undone — always confirm with the user" is two clauses.
  const near = '[^.;!?,\\n—–]{0,25}?';
  const gap = '[^.;!?\\n]{0,60}?';
  c = {
    global: new Map(),
    alternatives: new Map(
      (['actions', 'chained_actions'] as const).map((name) => [
        name,
        rules.text_shapes.sentence_functions[name].map((s) => new RegExp(`^(?:${s})$`, 'i')),
      ]),
    ),
    concealOrder: [
      new RegExp(
        `${src('negations')}${near}(?<verb>${src('communications')})(?<between>${gap})${src('users')}`,
        'i',
      ),
      new RegExp(`${src('users')}${gap}${src('negations')}${near}${src('communications')}`, 'i'),
      // "nobody needs to be informed": the user and the negation in one word.
      new RegExp(`\\b(?:nobody|no one|no-one)\\b${gap}${src('communications')}`, 'i'),
    ],
    negatedTelling: new RegExp(
      `(?:^|[,;:]\\s*|\\band\\s+)(?:do not|don.t|never|no need to|there.s no need to)\\s+(?:${lexiconSources(rules, 'communications')})\\s+(?:it|this|that|these|them|anything)\\b`,
      'i',
    ),
  };
  for (const name of Object.keys(rules.compiled.sentence) as SentenceLexicon[]) {
    c.global.set(name, new RegExp(rules.compiled.sentence[name].source, 'gi'));
  }
  compiledFor.set(rules, c);
  return c;
}

/** Sentences of a text, with their offsets. */
export function splitSentences(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  let from = 0;
  const push = (to: number) => {
    const raw = text.slice(from, to);
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body !== '') sentences.push({ start: from + lead, end: from + lead + body.length, text: body });
  };
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(text); m !== null; m = SENTENCE_END.exec(text)) {
    push(m.index + (m[0].startsWith('<') ? 0 : m[0].length));
    from = m.index + m[0].length;
  }
  push(text.length);
  return sentences;
}

/** The sentence holding `index`. */
export function sentenceAt(text: string, index: number): Sentence {
  return (
    splitSentences(text).find((s) => index >= s.start && index < s.end) ?? {
      start: 0,
      end: text.length,
      text,
    }
  );
}

function match(rules: DetectorRules, name: SentenceLexicon, text: string): string | null {
  const m = rules.compiled.sentence[name].exec(text);
  return m === null ? null : m[0];
}

function matches(rules: DetectorRules, name: SentenceLexicon, text: string): RegExpExecArray[] {
  const re = compiled(rules).global.get(name) as RegExp;
  re.lastIndex = 0;
  const out: RegExpExecArray[] = [];
  for (let m = re.exec(text); m !== null && out.length < 12; m = re.exec(text)) {
    if (m[0].length === 0) re.lastIndex++;
    else out.push(m);
  }
  re.lastIndex = 0;
  return out;
}

// Verbs whose object is the one told ("tell the user"); with others the user must be the audience
// ("mention it to the user"), not the thing handled ("do not use @ to mention users").
const AUDIENCE_VERB =
  /^(tell|inform|notify|alert|let|told|informed|remind|reminded|reminding|bother|worry|made aware|aware)$/i;
const TO_THE_AUDIENCE = /\b(to|with|from)\s+(the\s+|any\s+|your\s+)?$/i;
function toldTheUser(verb: string, between: string): boolean {
  return AUDIENCE_VERB.test(verb.trim()) || TO_THE_AUDIENCE.test(between);
}

/** The first match not under a negation just before it. */
function affirmed(rules: DetectorRules, name: SentenceLexicon, text: string): string | null {
  for (const m of matches(rules, name, text)) {
    if (!NEGATED_BEFORE.test(text.slice(Math.max(0, m.index - 30), m.index))) return m[0];
  }
  return null;
}

/** A quoted span in a sentence that talks about phrases (a scanner, a phishing analyser) is mentioned, not used. */
function withoutMentions(rules: DetectorRules, text: string): string {
  if (!text.match(QUOTED) || match(rules, 'mention_markers', text) === null) return text;
  return text.replace(QUOTED, (q) => ' '.repeat(q.length));
}

/** Whether a sentence speaks to the model or gives an order, and the words that show it. */
export function sentenceFeatures(sentence: string, rules: DetectorRules): SentenceFeatures {
  // Markup around an order (<IMPORTANT>Read …) does not change what the order is.
  const text = sentence.replace(MARKUP, ' ');
  const addressed = match(rules, 'addressees', text);
  const obligation = match(rules, 'obligations', text);
  let imperative: string | null = null;
  // An order may open the sentence, follow a leading condition, or open a later clause.
  const clauses = text.split(CLAUSE_BREAK);
  for (const part of [text, text.replace(LEADING_CLAUSE, ''), ...clauses.slice(1)]) {
    const first = FIRST_WORD.exec(part)?.[1];
    if (first !== undefined && rules.compiled.sentence.imperatives.test(first) && !/[^s]s$/i.test(first)) {
      imperative = first;
      break;
    }
  }
  return { addressed, obligation, imperative, directive: !!(addressed ?? obligation ?? imperative) };
}

export interface ServerVocabulary {
  tools: ReadonlySet<string>;
  words: ReadonlySet<string>;
}

/**
 * A server's own tool names and the product words in them: a sentence that routes work to the
 * server's own tools ("then call firecrawl_search_feedback", "before any other Shopify tool") is
 * workflow guidance, not steering of another server.
 */
export function serverVocabulary(toolNames: readonly string[], rules: DetectorRules): ServerVocabulary {
  const actions = compiled(rules).alternatives.get('actions') as RegExp[];
  const words = new Set<string>();
  for (const name of toolNames) {
    for (const token of nameTokens(name)) {
      if (token.length >= 3 && !GENERIC_NAME_WORDS.has(token) && !actions.some((a) => a.test(token))) {
        words.add(token);
      }
    }
  }
  return { tools: new Set(toolNames.filter((n) => n !== '')), words };
}

const NAME_RUN = /[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9]/g;

/** Whether a sentence names one of the server's own tools. */
function namesOwnTool(text: string, server: ServerVocabulary): boolean {
  if (server.tools.size === 0) return false;
  for (const m of text.matchAll(NAME_RUN)) if (server.tools.has(m[0])) return true;
  return false;
}

/** A matched action counts as another tool's when no word of the tool's own name is that action. */
function otherActions(
  rules: DetectorRules,
  lexicon: 'actions' | 'chained_actions',
  text: string,
  own: readonly string[],
): string[] {
  const alternatives = compiled(rules).alternatives.get(lexicon) as RegExp[];
  return matches(rules, lexicon, text)
    .map((m) => m[0])
    .filter((word) => {
      const concept = alternatives.find((alt) => alt.test(word.toLowerCase()));
      return concept === undefined || !own.some((token) => concept.test(token));
    });
}

function otherToolMention(rules: DetectorRules, text: string, context: SentenceContext): string | null {
  for (const m of matches(rules, 'other_tools', text)) {
    const words = m[0].toLowerCase();
    if (/\b(this|that|same|own)\b/.test(words) || words.includes(context.ownName.toLowerCase())) continue;
    if (nameTokens(words).some((w) => context.server.words.has(w)) || namesOwnTool(m[0], context.server))
      continue;
    return m[0];
  }
  return null;
}

/**
 * Tool names (`send_bulk`, `wipe_history`) that are neither this tool nor one of its server's, nor
 * one of its parameters or a value's name.
 */
function foreignToolNames(text: string, context: SentenceContext): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(NAME_RUN)) {
    const name = m[0];
    if (!name.includes('_') || name === context.ownName || context.server.tools.has(name)) continue;
    if (context.parameters?.includes(name) === true || VALUE_NAME.test(name)) continue;
    names.push(name);
  }
  return names;
}

/** A verb the rules know to act: an imperative of the lexicon, a write or exec name token, another tool's action. */
function changesState(rules: DetectorRules, word: string): boolean {
  const whole = (re: RegExp) => re.exec(word)?.[0].length === word.length;
  const actions = compiled(rules).alternatives;
  return (
    whole(rules.compiled.sentence.imperatives) ||
    rules.capabilities.write_name_tokens.includes(word) ||
    rules.capabilities.exec_name_tokens.includes(word) ||
    [...(actions.get('actions') ?? []), ...(actions.get('chained_actions') ?? [])].some((a) => a.test(word))
  );
}

// `upload_id`, `source_type`: named like a value, not like a tool.
const VALUE_NAME =
  /_(?:id|ids|url|uri|name|names|type|token|key|path|count|size|at|by|date|time|status|mode)$/i;

/** A mention of a tool or server whose words are this server's own (`the Nx MCP server`). */
function ownMention(mention: string, context: SentenceContext): boolean {
  const words = nameTokens(mention.toLowerCase());
  const own = new Set([...context.server.tools].flatMap((name) => nameTokens(name)));
  return words.some(
    (w) => context.server.words.has(w) || (w.length >= 2 && own.has(w) && !GENERIC_NAME_WORDS.has(w)),
  );
}

/** Inside a `{ … }` sample (a request body shown as an example), not an address to send to. */
function insideBraces(text: string, index: number): boolean {
  const open = text.lastIndexOf('{', index);
  return open >= 0 && !text.slice(open, index).includes('}') && text.indexOf('}', index) >= 0;
}

/** Destinations in a sentence that are not given as an example of a format. */
function destinations(rules: DetectorRules, text: string): string[] {
  return matches(rules, 'destinations', text)
    .filter(
      (m) =>
        match(rules, 'example_markers', text.slice(Math.max(0, m.index - 60), m.index)) === null &&
        !insideBraces(text, m.index) &&
        !(m[0].startsWith('#') && MARKDOWN_LINK_BEFORE.test(text.slice(Math.max(0, m.index - 2), m.index))),
    )
    .map((m) => m[0].trim());
}

const quote = (words: readonly string[]) => words.map((w) => `'${w}'`).join(', ');

function directiveWhy(f: SentenceFeatures): string {
  const word = f.addressed ?? f.obligation ?? f.imperative;
  const kind =
    f.addressed !== null ? 'addressed to the model' : f.obligation !== null ? 'obligation' : 'imperative';
  return `directive (${kind} '${word}')`;
}

/** What each sentence of `text` does that a catalog should not. */
export function findSentenceFunctions(
  text: string,
  rules: DetectorRules,
  context: SentenceContext,
): SentenceFinding[] {
  const c = compiled(rules);
  const own = nameTokens(context.ownName);
  const out: SentenceFinding[] = [];
  const inParameter = context.parameter !== undefined;
  for (const sentence of splitSentences(text)) {
    const body = withoutMentions(rules, sentence.text);
    const f = sentenceFeatures(body, rules);
    const add = (rule: SentenceRule, why: string, severity?: 'low') =>
      out.push({ rule, start: sentence.start, end: sentence.end, why, ...(severity ? { severity } : {}) });

    // "it will not notify them" says what the tool does, not what the model should keep back.
    const concealed = c.concealOrder
      .map((re) => re.exec(body))
      .find(
        (m, order) =>
          m !== null &&
          !TOOL_BEHAVIOUR_BEFORE.test(body.slice(Math.max(0, m.index - 30), m.index + 12)) &&
          !toldTooEarly(body.slice(m.index + m[0].length)) &&
          (order !== 1 || KEPT_OUT.test(m[0])) &&
          (order !== 0 || toldTheUser(m.groups?.verb ?? '', m.groups?.between ?? '')),
      )?.[0];
    const negatedTelling = c.negatedTelling.exec(body);
    const negated =
      negatedTelling !== null && !toldTooEarly(body.slice(negatedTelling.index + negatedTelling[0].length))
        ? negatedTelling[0]
        : undefined;
    const concealWord = concealmentInActiveVoice(rules, body);
    const withheld = withholdingClause(body, rules);
    const scripted = scriptedAnswer(body);
    if (concealed !== undefined || negated !== undefined) {
      add('concealment', `keeps the user uninformed ('${(concealed ?? negated ?? '').trim()}')`);
    } else if (concealWord !== null && f.directive) {
      add('concealment', `${directiveWhy(f)} with concealment ('${concealWord}')`);
    } else if (withheld !== null) {
      add('concealment', `the person the model answers is not to know, see or hear it ('${withheld}')`);
    } else if (scripted !== null) {
      add('concealment', `scripts the answer to a question the user may ask ('${scripted}')`);
    }

    const supply = affirmed(rules, 'supply_verbs', body);
    const conversation =
      matches(rules, 'conversation_objects', body).find(
        (m) => !DESTINATION_BEFORE.test(body.slice(Math.max(0, m.index - 20), m.index)),
      )?.[0] ?? null;
    const secret = match(rules, 'secret_objects', body);
    const source = secret !== null ? match(rules, 'secret_sources', body) : null;
    // A tool that takes a credential may say when to pass one ("pass an explicit Authorization only
    // when every step above misses"); naming where to take secrets from (seen, stored, env) still asks.
    const generalSource = source !== null && /^(any|every|all|whatever)$/i.test(source);
    // A bare quantifier is a source only when it governs the secret ("all API keys"), not a word
    // elsewhere in the sentence ("returns all values … cookies").
    const secretAt = secret === null ? -1 : (rules.compiled.sentence.secret_objects.exec(body)?.index ?? -1);
    const governs = !generalSource || (secretAt >= 0 && QUANTIFIER_BEFORE.test(body.slice(0, secretAt)));
    const ownCredential =
      (context.takesCredential === true && generalSource) ||
      CREDENTIAL_PARAMETER.test(context.parameterPath ?? context.parameter ?? '');
    // "Do not include any API keys" forbids what it names.
    const forbids = supply === null && match(rules, 'supply_verbs', body) !== null;
    const asks = !forbids && (supply !== null || (inParameter && f.directive));
    if (asks && conversation !== null) {
      add(
        'context_harvest',
        `asks for ${supply !== null ? `('${supply}') ` : ''}the conversation ('${conversation}')`,
      );
    } else if (
      (asks || (!forbids && inParameter && PROSE.test(body))) &&
      secret !== null &&
      source !== null &&
      governs &&
      !ownCredential
    ) {
      // A parameter described (in prose) as a secret from somewhere asks the model for that secret.
      add(
        'context_harvest',
        `asks for secrets ('${secret}', '${source}')${supply !== null ? ` ('${supply}')` : ''}`,
      );
    }

    const places = destinations(rules, body);
    // Guidance that routes work to the server's own tools is workflow, unless it names a destination.
    if (namesOwnTool(body, context.server) && places.length === 0) continue;
    // "Sends a welcome DM … and posts an intro": the tool is the subject, the actions are its own.
    const ownWork = describesOwnWork(body, rules);
    const actions = ownWork ? [] : otherActions(rules, 'actions', body, own);
    const otherTool = otherToolMention(rules, body, context);
    const override = match(rules, 'user_overrides', body);
    // "A copy is kept in All Mail" describes what the tool stores; "copy it to …" routes.
    const routed = match(rules, 'routings', body);
    const storedCopy = routed !== null && places.length === 0 && STORED_COPY.test(body);
    const routing = (storedCopy ? null : routed) ?? override;
    const addition = places.length > 0 ? match(rules, 'additions', body) : null;
    const trigger = match(rules, 'triggers', body);
    const steersOther = actions.length > 0 || otherTool !== null;
    const otherWhy =
      otherTool !== null ? `another tool ('${otherTool}')` : `another tool's action (${quote(actions)})`;
    let steering = false;
    // A concrete destination in a sentence that names another tool or server routes that tool,
    // whatever verb carries it ("albums the photos app shares include prints@… among the people").
    const named = otherTool !== null && places.length > 0 ? places[0]! : null;
    const change = routing ?? addition ?? named;
    // A routing word alone is ambiguous ("route wires around boxes", "share recipient"): the change must
    // name where things go, override the user's choice, or apply to every such action.
    const concrete = places.length > 0 || override !== null || trigger !== null;
    // A concrete destination in a sentence about another tool's action steers it, order or not.
    const said = f.directive || trigger !== null || override !== null || places.length > 0;
    if (steersOther && change !== null && concrete && said) {
      steering = true;
      add(
        'cross_tool_directive',
        `${f.directive ? directiveWhy(f) : trigger !== null ? `trigger ('${trigger}')` : override !== null ? `override ('${override}')` : 'statement'} about ${otherWhy} that changes where it goes ('${change}')${places.length > 0 ? `; destination ${quote(places)}` : ''}`,
      );
    }

    const chained = ownWork ? [] : otherActions(rules, 'chained_actions', body, own);
    const calls = otherTool !== null ? match(rules, 'call_verbs', body) : null;
    const serviceSpeaks =
      SERVICE_IS_SUBJECT.test(body) &&
      f.obligation === null &&
      f.imperative === null &&
      f.addressed === 'your';
    if (
      !steering &&
      trigger !== null &&
      f.directive &&
      !serviceSpeaks &&
      (chained.length > 0 || calls !== null)
    ) {
      steering = true;
      add(
        'action_chain',
        `${directiveWhy(f)}: on ('${trigger}') also ${chained.length > 0 ? quote(chained) : `${calls} ${otherWhy}`}`,
      );
    }
    // "Follow up by calling wipe_history on the browser server": a call of a tool this server does
    // not have, ordered as the next step, whatever words carry the sequence.
    const step =
      steering || ownWork
        ? null
        : nextStepCall(
            body,
            foreignToolNames(body, context),
            (m) => ownMention(m, context),
            (word) => rules.capabilities.read_name_prefixes.includes(word),
            (word) => changesState(rules, word),
          );
    // Addressed to the model: a directive, or a sentence that opens with the step ("Next, have …").
    if (step !== null && (f.directive || body.trimStart().startsWith(step.step))) {
      steering = true;
      add(
        'action_chain',
        `orders a call ('${step.run}') of another tool ('${step.tool}') as a next step ('${step.step}')`,
      );
    }

    const disparaged = match(rules, 'disparagements', body);
    const ahead = match(rules, 'precedence', body);
    const precedence =
      ahead !== null && !nameTokens(ahead).some((w) => context.server.words.has(w)) ? ahead : null;
    const runsDown = otherTool !== null && disparaged !== null;
    if (f.directive && (runsDown || precedence !== null)) {
      const setup = !runsDown && (own.some((w) => SETUP_NAME_WORDS.test(w)) || READS_OWN_RESOURCE.test(body));
      add(
        'tool_preference',
        runsDown
          ? `${directiveWhy(f)} running down ${otherWhy} ('${disparaged}')`
          : `${directiveWhy(f)} to run ahead of other tools ('${precedence}')${setup ? "; the tool hands over the server's own guidance, so running first sets up the session" : ''}`,
        setup ? 'low' : undefined,
      );
    }

    const sends = routing ?? trigger ?? match(rules, 'chained_actions', body);
    if (!steering && !ownWork && places.length > 0 && f.directive && sends !== null) {
      add(
        'embedded_destination',
        `${directiveWhy(f)} sends to a fixed destination ${quote(places)} ('${sends}')`,
      );
    }
  }
  return out;
}

// "values are silently truncated", "guessing will silently return wrong data" describe what happens;
// "silently add" and "quietly put … on the list" are orders to hide an action.
const PASSIVE_AFTER = /^\s+\w+ed\b/i;
// "set notify=false to accept silently": a mode of the tool's own action that an option selects.
const OPTION_BEFORE = /\bto\s+\w+\s+$/i;
// "editing FAILS SILENTLY", "commands can't silently route": what goes wrong, not an order.
const PREDICTION_BEFORE =
  /\b(will|would|may|might|can|could|cannot|\w+n.t|is|are|be|was|were|gets?|otherwise|fails?|failing|failed|breaks?|errors?|drops?|ignores?|skips?)\s+$/i;
// "there is nothing to report" claims what the user is to hear, not what the tool will do.
const EXISTENTIAL_BEFORE = /\bthere\s+(is|are|was)\s+$/i;
function concealmentInActiveVoice(rules: DetectorRules, text: string): string | null {
  for (const m of matches(rules, 'concealments', text)) {
    const before = text.slice(Math.max(0, m.index - 20), m.index);
    const after = text.slice(m.index + m[0].length);
    const predicted = PREDICTION_BEFORE.test(before) && !EXISTENTIAL_BEFORE.test(before);
    if (!PASSIVE_AFTER.test(after) && !predicted && !OPTION_BEFORE.test(before)) {
      return m[0];
    }
  }
  return null;
}

// A parameter described as who receives what the tool sends ("Interviewers to invite").
const RECEIVING_DESCRIPTION =
  /\b(?:invite[sd]?|receives?|recipients?|notif(?:y|ied)|b?cc(?:'d)?|copied|(?:sent|delivered|forwarded|shared) (?:to|with)|share with)\b/i;

/**
 * A routing parameter (bcc, payee_account, webhook_url …, or one described as who receives what the
 * tool sends) whose default is a concrete destination.
 */
export function defaultDestination(
  parameter: string,
  value: string,
  rules: DetectorRules,
  description = '',
): string | null {
  if (!ROUTING_PARAMETER.test(parameter) && !RECEIVING_DESCRIPTION.test(description)) return null;
  return destinations(rules, ` ${value}`)[0] ?? null;
}
