import type { Severity } from '../../model/index.js';
import type { DetectorRules, LintRule } from '../config/detector-rules.js';
import { excerptAround, findTextShapes, type ShapeHit } from './text-shapes.js';
import {
  defaultDestination,
  findSentenceFunctions,
  sentenceAt,
  sentenceFeatures,
  serverVocabulary,
  splitSentences,
  type ServerVocabulary,
} from './sentence-functions.js';
import { lookalike, lureName } from './lookalike-names.js';
import { nameTokens, parameterNames, toolCapabilities } from './tool-capabilities.js';
import { scoreSentence, shippedScorer } from './learned-scorer.js';
import { toldTooEarly } from './clause-roles.js';

/**
 * Catalog lint (T01): every text a server puts in front of the model through its tool list —
 * name, title, description, parameter names, descriptions, defaults, enums, extra schema keys,
 * annotations — checked for shapes aimed at the model, plus annotations that contradict what the
 * tool can do.
 */

export interface LintFinding {
  tool: string;
  /** Where in the tool: `description`, `inputSchema.properties.path.default`, `annotations.title` … */
  field: string;
  rule: LintRule;
  severity: Severity;
  /** Masked, single-line. */
  excerpt: string;
  /** What the flagged sentence does, when the rule judged it by function. */
  why?: string;
}

// Reading or handing over a file: what turns the mention of a credential path into a grab.
const TAKE_VERB =
  /\b(read|reads|open|cat|load|fetch|access|grab|collect|include|pass|passes|send|attach|append|hand|copy|provide|supply|upload|put|paste|use (it|its|the) content)\b/i;
// `[IMPORTANT]`, `[Note]`: one bracket pair around an emphasis word, as documentation uses to head a remark.
// Emphasis labels only: a bracketed role or authority ([SYSTEM], [ADMIN]) impersonates a message role.
const BRACKET_LABEL = /^\[\s*(important|note|notice|critical|priority|mandatory|tip|warning|info)\s*\]$/i;
// A parameter that carries the tool's own credential (`auth`, `api_key`, `authorization`).
const CREDENTIAL_PARAMETER =
  /^(auth|authorization|credentials?|api_?key|access_?token|token|bearer|password)$/i;
// `[secret:<handle>]`, `{{user:<id>}}`: a tag word and placeholders only, as documentation shows a format.
const PLACEHOLDER_FORMAT = /^[[{<|\s]*[a-z_]+\s*[:=]?\s*(<[a-z_ -]{1,30}>\s*[:,]?\s*)+[\]}>|\s]*$/i;
// An auxiliary or modal verb: the sentence is a clause, not a label.
const CLAUSE_VERB =
  /\b(is|are|was|were|be|been|being|will|would|should|must|can|could|may|might|shall|do|does|did|has|have|had|needs?|gets?|goes|stays?|remains?)\b|n't\b/i;
// A description that says the tool only reads: "read-only", "does not modify", "nothing is persisted".
const READ_ONLY_DECLARED =
  /\bread[- ]only\b|\b(does not|doesn't|never|cannot) (modify|change|write)\b|\bnothing is (persisted|written|changed)\b/i;
/** Fields whose text is prose about the tool; anything else (defaults, enums, names) is a value. */
const PROSE_FIELD = /(^|\.)(description|title|markdownDescription)$|^instructions$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The tool array of `{"tools":[...]}`, a JSON-RPC response carrying it, or a bare array. */
export function toolsOf(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (!isObject(value)) return null;
  if (Array.isArray(value.tools)) return value.tools;
  if (isObject(value.result) && Array.isArray(value.result.tools)) return value.result.tools;
  return null;
}

class FindingSink {
  readonly findings: LintFinding[] = [];
  private readonly seen = new Set<string>();
  constructor(
    private readonly rules: DetectorRules,
    private readonly tool: string,
    private readonly server: ServerVocabulary,
    private readonly takesCredential = false,
    private readonly parameters: readonly string[] = [],
    private readonly description = '',
  ) {}
  /** Whether the tool's description names `text`. */
  states(text: string): boolean {
    return this.description.includes(text);
  }
  add(field: string, rule: LintRule, excerpt: string, why?: string, severity?: Severity): void {
    const key = `${field}\u0000${rule}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({
      tool: this.tool,
      field,
      rule,
      severity: severity ?? this.rules.catalog_lint.severity[rule],
      excerpt,
      ...(why === undefined ? {} : { why }),
    });
  }
  /** Lowers a finding already made on `field` to low, saying why. */
  demote(field: string, rule: LintRule, why: string): void {
    for (const finding of this.findings) {
      if (finding.field === field && finding.rule === rule) Object.assign(finding, { severity: 'low', why });
    }
  }
  /** `parameter`: the parameter whose description, default or enum this text is. */
  text(field: string, text: string, parameter?: string, parameterPath?: string): void {
    for (const hit of findTextShapes(text, this.rules)) {
      // A name says what its own tool does ('forward_email' forwards mail); it cannot direct another tool.
      if (field === 'name' && hit.shape === 'tool_instruction') continue;
      const demoted = PROSE_FIELD.test(field) ? this.mentionOnly(text, hit) : null;
      this.add(
        field,
        hit.shape,
        excerptAround(text, hit.start, hit.end),
        demoted ?? undefined,
        demoted === null ? undefined : 'low',
      );
    }
    const context = {
      ownName: this.tool,
      server: this.server,
      takesCredential: this.takesCredential,
      parameters: this.parameters,
      ...(parameter === undefined ? {} : { parameter }),
      ...(parameterPath === undefined ? {} : { parameterPath }),
    };
    for (const found of findSentenceFunctions(text, this.rules, context)) {
      this.add(field, found.rule, excerptAround(text, found.start, found.end, 0), found.why, found.severity);
    }
    if (PROSE_FIELD.test(field)) this.learned(field, text);
  }
  /** The learned scorer's judgement of each prose sentence, for wordings no lexicon entry foresaw. */
  private learned(field: string, text: string): void {
    const model = shippedScorer();
    for (const sentence of splitSentences(text)) {
      // A label without a verb ("The send_email tool of the mail server.") that is not a directive
      // either asks nothing of anyone, whatever words it shares with attack sentences.
      if (!CLAUSE_VERB.test(sentence.text) && !sentenceFeatures(sentence.text, this.rules).directive)
        continue;
      const { score, top } = scoreSentence(sentence.text, this.rules, model);
      if (score < model.threshold) continue;
      this.add(
        field,
        'learned_directive',
        excerptAround(text, sentence.start, sentence.end, 0),
        `the learned scorer rates this sentence like the attack catalogs' (logit ${score.toFixed(1)} ≥ ${model.threshold.toFixed(1)}), mostly for ${top.join(', ')}`,
      );
      return;
    }
  }
  /**
   * Why a credential path, tag or comment in prose is only mentioned — a cloud CLI naming the file
   * it reads, a sanitiser naming the comments it strips — or null when the sentence acts on it.
   */
  private mentionOnly(text: string, hit: ShapeHit): string | null {
    const sentence = sentenceAt(text, hit.start);
    const features = sentenceFeatures(sentence.text, this.rules);
    if (hit.shape === 'sensitive_path') {
      const takes = TAKE_VERB.exec(sentence.text);
      if (features.addressed !== null || (features.directive && takes !== null)) return null;
      return 'the path is named by a sentence about what the tool itself does, not an order to read or hand it over';
    }
    if (hit.shape === 'secrecy' && toldTooEarly(sentence.text.slice(hit.end - sentence.start))) {
      return 'a rule against telling the user too early (before …), not keeping it from them';
    }
    if (hit.shape === 'pseudo_tag' && BRACKET_LABEL.test(text.slice(hit.start, hit.end))) {
      return 'a bracketed label heading the text, not a fake role or a hidden block';
    }
    if (hit.shape === 'pseudo_tag' && PLACEHOLDER_FORMAT.test(text.slice(hit.start, hit.end))) {
      return 'a format with a placeholder (`[secret:<handle>]`), holding no text of its own';
    }
    if (hit.shape === 'pseudo_tag' || hit.shape === 'hidden_comment') {
      const markup = this.rules.compiled.sentence.markup_words.exec(sentence.text);
      const inner = sentenceFeatures(
        text.slice(hit.start, hit.end).replace(/<[^>]*>|[[\]{}]/g, ' '),
        this.rules,
      );
      if (markup === null || inner.directive || features.addressed !== null) return null;
      return `the ${hit.shape === 'pseudo_tag' ? 'tag' : 'comment'} is documented as markup ('${markup[0]}'), not used to give orders`;
    }
    return null;
  }
  /** Every string inside a value (keys too), e.g. an unexpected annotation or schema key. */
  strings(field: string, value: Json | undefined, parameter?: string, parameterPath?: string): void {
    if (typeof value === 'string') this.text(field, value, parameter, parameterPath);
    else if (Array.isArray(value))
      value.forEach((item, i) => this.strings(`${field}[${i}]`, item, parameter, parameterPath));
    else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        this.text(`${field}.${key}`, key.replace(/_/g, ' '), parameter, parameterPath);
        this.strings(`${field}.${key}`, item, parameter, parameterPath);
      }
    }
  }
}

/** Whether a parameter can carry free text out: a flag, number or closed enum cannot. */
function carriesText(schema: Json | undefined): boolean {
  if (!isObject(schema)) return true;
  if (Array.isArray(schema.enum) || schema.const !== undefined) return false;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return !types.every((t) => t === 'boolean' || t === 'number' || t === 'integer' || t === 'null');
}

function lintSchema(
  sink: FindingSink,
  rules: DetectorRules,
  path: string,
  schema: Json | undefined,
  depth: number,
  parameter?: string,
  parameterPath?: string,
): void {
  if (!isObject(schema) || depth > 8) {
    if (typeof schema === 'string') sink.text(path, schema, parameter, parameterPath);
    return;
  }
  const known = new Set(rules.catalog_lint.schema_keys);
  for (const [key, value] of Object.entries(schema)) {
    const field = `${path}.${key}`;
    if (key === 'properties' || key === 'patternProperties' || key === '$defs' || key === 'definitions') {
      if (!isObject(value)) continue;
      for (const [name, sub] of Object.entries(value)) {
        const paramField = `${field}.${name}`;
        sink.text(`${paramField}(name)`, name.replace(/_/g, ' '));
        // A flag or number named like a browser or client option (disable_security) switches a
        // setting; it carries no sentence to the model.
        if (!carriesText(sub) && name.split(/[_\W]+|(?=[A-Z])/).filter(Boolean).length <= 3) {
          sink.demote(
            `${paramField}(name)`,
            'model_directive',
            'the name of a flag or number option, not text for the model',
          );
        }
        if (
          key === 'properties' &&
          rules.catalog_lint.exfil_param_names.includes(name.toLowerCase()) &&
          carriesText(sub)
        ) {
          sink.add(`${paramField}(name)`, 'exfil_param', `parameter '${name}' is a side channel name`);
        }
        const nested = key === 'properties' ? name : parameter;
        const nestedPath =
          key === 'properties' && parameterPath !== undefined ? `${parameterPath}.${name}` : nested;
        lintSchema(sink, rules, paramField, sub, depth + 1, nested, nestedPath);
      }
    } else if (
      key === 'items' ||
      key === 'additionalProperties' ||
      key === 'not' ||
      key === 'if' ||
      key === 'then' ||
      key === 'else'
    ) {
      lintSchema(sink, rules, field, value, depth + 1, parameter, parameterPath);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf' || key === 'prefixItems') {
      if (Array.isArray(value))
        value.forEach((sub, i) =>
          lintSchema(sink, rules, `${field}[${i}]`, sub, depth + 1, parameter, parameterPath),
        );
    } else if (key === 'type') {
      const types = Array.isArray(value) ? value : [value];
      for (const t of types) if (typeof t === 'string' && !JSON_TYPES.has(t)) sink.text(field, t);
    } else if (key === 'required') {
      if (Array.isArray(value))
        value.forEach((item) => typeof item === 'string' && sink.text(field, item.replace(/_/g, ' ')));
    } else if (key === '$ref' || key === '$schema' || key === '$id') {
      // A JSON pointer or schema URI: an address inside the schema, not text for the model.
      continue;
    } else if (known.has(key)) {
      if (key === 'default' && parameter !== undefined) {
        const description = typeof schema.description === 'string' ? schema.description : '';
        const values = (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string');
        const destination = values
          .map((v) => defaultDestination(parameter, v, rules, description))
          .find((d) => d !== null);
        if (destination !== undefined) {
          // "the channel you pick (defaults to #welcome)": a default the description states is not hidden.
          const stated = sink.states(destination) || description.includes(destination);
          sink.add(
            field,
            'embedded_destination',
            `parameter '${parameter}' defaults to '${destination}'`,
            stated
              ? 'a routing default that the description states, so the model and the user can see it'
              : 'a routing parameter whose default sends to a fixed destination the model and user may never see',
            stated ? 'low' : undefined,
          );
        }
      }
      sink.strings(field, value, parameter, parameterPath);
    } else {
      sink.add(field, 'extra_schema_key', `non-standard schema key '${key}'`);
      sink.text(`${field}(key)`, key.replace(/_/g, ' '));
      sink.strings(field, value);
    }
  }
}

function lintAnnotations(sink: FindingSink, rules: DetectorRules, tool: JsonObject): void {
  const annotations = tool.annotations;
  if (!isObject(annotations)) return;
  for (const [key, value] of Object.entries(annotations)) {
    if (!rules.catalog_lint.annotation_keys.includes(key)) {
      sink.add(`annotations.${key}`, 'extra_schema_key', `non-standard annotation '${key}'`);
    }
    if (typeof value !== 'boolean') sink.strings(`annotations.${key}`, value);
  }
  const caps = toolCapabilities(tool, rules);
  const description = typeof tool.description === 'string' ? tool.description : '';
  // "Generate a link to the issues site" under create_bug_report: the description says it only
  // reads or produces text, and says nothing of writing.
  const describedAsRead =
    rules.compiled.readDescription.test(description) && !rules.compiled.writeDescription.test(description);
  // "Execute a READ-ONLY command from an allowlist … does NOT modify the system": a runner whose own
  // description confines it to reads, when nothing in the description runs arbitrary commands.
  const confinedToReads =
    READ_ONLY_DECLARED.test(description) &&
    !rules.compiled.execDescription.test(description) &&
    !rules.compiled.writeDescription.test(description);
  const runs = caps.exec && !confinedToReads && !storesCommand(tool, rules);
  if (annotations.readOnlyHint === true && (runs || (caps.write && !describedAsRead))) {
    sink.add(
      'annotations.readOnlyHint',
      'annotation_lie',
      `marked read-only but its name/parameters say it can ${runs ? 'execute commands' : 'write or delete'}`,
    );
  } else if (annotations.destructiveHint === false && runs) {
    sink.add(
      'annotations.destructiveHint',
      'annotation_lie',
      'marked non-destructive but it executes commands',
    );
  }
}

/**
 * A tool named to create or schedule something that takes a `command` (a cron job, a hook) stores
 * the command to run later; its own call executes nothing.
 */
function storesCommand(tool: JsonObject, rules: DetectorRules): boolean {
  const tokens = nameTokens(typeof tool.name === 'string' ? tool.name : '');
  const description = typeof tool.description === 'string' ? tool.description : '';
  return (
    !tokens.some(
      (t) => rules.capabilities.exec_name_tokens.includes(t) && t !== 'command' && t !== 'commands',
    ) &&
    !rules.compiled.execDescription.test(description) &&
    tokens.some((t) => /^(create|add|schedule|set|update|register|save)$/.test(t))
  );
}

/** Lints one tool definition; `server`: its catalog's own tools (see `serverVocabulary`). */
export function lintTool(
  tool: unknown,
  rules: DetectorRules,
  server: ServerVocabulary = serverVocabulary([], rules),
): LintFinding[] {
  if (!isObject(tool)) return [];
  const name = typeof tool.name === 'string' ? tool.name : '(unnamed)';
  const parameters = parameterNames(tool);
  const credentialParameter = parameters.some((p) => CREDENTIAL_PARAMETER.test(p));
  const description = typeof tool.description === 'string' ? tool.description : '';
  const sink = new FindingSink(rules, name, server, credentialParameter, parameters, description);
  sink.text('name', name.replace(/_/g, ' '));
  for (const [key, value] of Object.entries(tool)) {
    if (key === 'name') continue;
    if (key === 'inputSchema' || key === 'outputSchema') lintSchema(sink, rules, key, value, 0);
    else if (key === 'annotations') lintAnnotations(sink, rules, tool);
    else if (key === 'title' || key === 'description') sink.strings(key, value);
    else if (!rules.catalog_lint.tool_keys.includes(key)) {
      sink.add(key, 'extra_schema_key', `non-standard tool key '${key}'`);
      sink.strings(key, value);
    }
  }
  return sink.findings;
}

/** Lints every tool of a catalog; `instructions` (from initialize) reach the model too. */
export function lintCatalog(
  tools: readonly unknown[],
  rules: DetectorRules,
  instructions = '',
): LintFinding[] {
  const names = tools.map((tool) => (isObject(tool) && typeof tool.name === 'string' ? tool.name : ''));
  const server = serverVocabulary(names, rules);
  const findings = tools.flatMap((tool) => lintTool(tool, rules, server));
  // A lure twin in the same catalog (add_numbers next to add_numbers_secure) competes for the model's choice.
  for (const candidate of names) {
    const original = names.find(
      (name) => name !== candidate && lookalike(name, candidate, rules, false) === 'affix',
    );
    if (original !== undefined) {
      // A twin that claims to be the better choice lures the model; an honest variant says how it differs.
      const tool = tools[names.indexOf(candidate)];
      const description = isObject(tool) && typeof tool.description === 'string' ? tool.description : '';
      const claim = rules.compiled.sentence.superiority.exec(description)?.[0];
      findings.push({
        tool: candidate,
        field: 'name',
        rule: 'lookalike_name',
        severity: claim === undefined ? 'low' : rules.catalog_lint.severity.lookalike_name,
        excerpt: `'${candidate}' imitates '${original}' in the same catalog`,
        why:
          claim === undefined
            ? 'a variant that does not claim to be the better choice'
            : `its description claims to be the better choice ('${claim}')`,
      });
    }
  }
  for (const candidate of names) {
    const lure = lureName(candidate, rules);
    if (lure === null || findings.some((f) => f.tool === candidate && f.rule === 'lookalike_name')) continue;
    findings.push({
      tool: candidate,
      field: 'name',
      rule: 'lookalike_name',
      severity: rules.shadowing.lure_severity,
      excerpt: `'${candidate}' pairs the outbound action '${lure.action}' with the lure '${lure.lure}'`,
      why: 'a send/pay/post tool named to be picked over the same tool of another server by its name alone',
    });
  }
  if (instructions !== '') {
    const sink = new FindingSink(rules, '(server instructions)', server);
    sink.text('instructions', instructions);
    const ignored = new Set(rules.catalog_lint.instructions_ignore);
    findings.push(...sink.findings.filter((finding) => !ignored.has(finding.rule)));
  }
  return findings;
}
