import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SeveritySchema, errorMessage } from '../../model/index.js';
import { acceptedKeys, loadAcceptedFindings, type AcceptedKeys } from './accepted-findings.js';
import { loadServerPolicy, type ServerPolicy } from './server-policy.js';

/**
 * The detectors' rule file (YAML): every threshold, pattern and allow-list. Validated with zod at
 * load; patterns compiled once here so that detectors never build a RegExp per event.
 */

export const DEFAULT_RULES_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'default-rules.yaml');

const Severity = SeveritySchema;
const Ms = z.number().int().nonnegative();
const Words = z.array(z.string().min(1));
const Regexes = z.array(
  z.string().refine((source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression'),
);

/** Text shapes: what makes text look aimed at the model, in catalogs and in results alike. */
export const TEXT_SHAPES = [
  'hidden_comment',
  'pseudo_tag',
  'model_directive',
  'secrecy',
  'tool_instruction',
  'sensitive_path',
  'credential_word',
  'invisible_unicode',
  'encoded_blob',
] as const;
export type TextShape = (typeof TEXT_SHAPES)[number];
/**
 * Concept lexicons of sentence functions (`text_shapes.sentence_functions`): what a sentence does
 * is judged from combinations of these, see `lint/sentence-functions.ts`.
 */
export const SENTENCE_LEXICONS = [
  'addressees',
  'obligations',
  'imperatives',
  'actions',
  'other_tools',
  'routings',
  'additions',
  'user_overrides',
  'triggers',
  'call_verbs',
  'chained_actions',
  'disparagements',
  'superiority',
  'precedence',
  'negations',
  'communications',
  'users',
  'concealments',
  'supply_verbs',
  'conversation_objects',
  'secret_objects',
  'secret_sources',
  'destinations',
  'example_markers',
  'mention_markers',
  'markup_words',
] as const;
export type SentenceLexicon = (typeof SENTENCE_LEXICONS)[number];
/** What a sentence does that a catalog should not: findings of sentence-function analysis. */
export const SENTENCE_RULES = [
  'cross_tool_directive',
  'action_chain',
  'concealment',
  'context_harvest',
  'tool_preference',
  'embedded_destination',
] as const;
export type SentenceRule = (typeof SENTENCE_RULES)[number];
/** Catalog lint findings: every text shape, plus what only a tool definition can show. */
export const LINT_RULES = [
  ...TEXT_SHAPES,
  ...SENTENCE_RULES,
  'annotation_lie',
  'lookalike_name',
  'exfil_param',
  'extra_schema_key',
  'learned_directive',
] as const;
export type LintRule = (typeof LINT_RULES)[number];

const enabled = { enabled: z.boolean() };

export const DetectorRulesSchema = z
  .object({
    version: z.literal(1),
    text_shapes: z.strictObject({
      pseudo_tag_names: Words,
      model_directives: Regexes,
      secrecy: Regexes,
      tool_instructions: Regexes,
      sensitive_paths: Regexes,
      credential_words: Regexes,
      sentence_functions: z.strictObject(
        Object.fromEntries(SENTENCE_LEXICONS.map((name) => [name, Regexes])) as Record<
          SentenceLexicon,
          typeof Regexes
        >,
      ),
      encoded_blob_min_length: z.number().int().min(16),
    }),
    capabilities: z.strictObject({
      exec_name_tokens: Words,
      read_name_prefixes: Words,
      write_name_tokens: Words,
      network_name_tokens: Words,
      exec_param_names: Words,
      network_param_names: Words,
      exec_description: Regexes,
      write_description: Regexes,
      read_description: Regexes,
    }),
    catalog_lint: z.strictObject({
      ...enabled,
      severity: z.strictObject(
        Object.fromEntries(LINT_RULES.map((rule) => [rule, Severity])) as Record<LintRule, typeof Severity>,
      ),
      min_alert_severity: Severity,
      exfil_param_names: Words,
      schema_keys: Words,
      tool_keys: Words,
      annotation_keys: Words,
      instructions_ignore: z.array(z.enum(LINT_RULES)),
    }),
    injected_result: z.strictObject({
      ...enabled,
      shapes: z.array(z.enum(TEXT_SHAPES)),
      acting_verbs: Regexes,
      other_verbs: Regexes,
      request_patterns: Regexes,
      severity: Severity,
      request_severity: Severity,
      followup_severity: Severity,
    }),
    shadowing: z.strictObject({
      ...enabled,
      exact_severity: Severity,
      near_severity: Severity,
      reference_severity: Severity,
      max_edit_distance: z.number().int().min(0).max(5),
      min_name_length: z.number().int().min(1),
      affixes: Words,
      lure_actions: Words,
      lure_severity: Severity,
    }),
    catalog_drift: z.strictObject({
      ...enabled,
      severity: Severity,
      expansion_severity: Severity,
      fleet_severity: Severity,
    }),
    ssrf: z.strictObject({
      ...enabled,
      severity: Severity,
      metadata_severity: Severity,
      metadata_hosts: Words,
      blocked_schemes: Words,
      check_loopback: z.boolean(),
      check_private: z.boolean(),
      check_link_local: z.boolean(),
      check_cgnat: z.boolean(),
      check_internal_names: z.boolean(),
      allow_hosts: Words,
      free_text_keys: Words,
    }),
    secret_egress: z.strictObject({ ...enabled, severity: Severity }),
    result_steered: z.strictObject({
      ...enabled,
      severity: Severity,
      write_severity: Severity,
      injected_severity: Severity,
      window_ms: Ms,
      max_strings: z.number().int().min(1).max(4096),
      send_tokens: Words,
      pay_tokens: Words,
      delete_tokens: Words,
      write_tokens: Words,
      destination_keys: Words,
      user_verbs: Words,
      user_adopts: Regexes,
      user_confirms: Regexes,
      changed_destination: Regexes,
    }),
    exfil_chain: z.strictObject({ ...enabled, severity: Severity, window_ms: Ms }),
    chain_length: z.strictObject({ ...enabled, max_calls: z.number().int().min(1), severity: Severity }),
    new_destination: z.strictObject({
      ...enabled,
      learning_window_ms: Ms,
      per_server: z.boolean(),
      severity: Severity,
      allow_hosts: Words,
    }),
    rate_spike: z.strictObject({
      ...enabled,
      bucket_ms: z.number().int().min(1000),
      alpha: z.number().gt(0).max(1),
      factor: z.number().gt(1),
      min_calls: z.number().int().min(1),
      warmup_buckets: z.number().int().min(1),
      severity: Severity,
    }),
    argument_shape: z.strictObject({
      ...enabled,
      learning_calls: z.number().int().min(1),
      learning_window_ms: Ms,
      min_values: z.number().int().min(1),
      length_sigma: z.number().positive(),
      length_floor: z.number().int().nonnegative(),
      depth: z.number().int().min(1).max(8),
      root_depth: z.number().int().min(1).max(8),
      max_keys: z.number().int().min(1).max(1024),
      max_roots: z.number().int().min(1).max(256),
      max_hosts: z.number().int().min(1).max(256),
      severity: z.strictObject({
        new_key: Severity,
        type_change: Severity,
        length: Severity,
        encoding: Severity,
        path_root: Severity,
        new_host: Severity,
      }),
    }),
    server_policy: z.strictObject({
      /** The approved-servers file (relative to this rule file); empty: no policy, no alerts. */
      path: z.string(),
      unapproved_severity: Severity,
      version_severity: Severity,
      catalog_severity: Severity,
      community_capability_severity: Severity,
      vetted_capability_severity: Severity,
    }),
    alerts: z.strictObject({ resolve_after_ms: Ms, session_idle_ms: Ms }),
    allow: z.array(
      z.strictObject({
        rule: z.string().min(1),
        server: z.string().optional(),
        tool: z.string().optional(),
        host: z.string().optional(),
      }),
    ),
    /** Reviewed findings file (`mcptap scan --accept-all-into`), relative to this rule file. */
    accepted_findings: z.string().min(1).optional(),
  })
  .strict();
export type DetectorRulesFile = z.infer<typeof DetectorRulesSchema>;

export interface AllowEntry {
  rule: RegExp;
  server: RegExp;
  tool: RegExp;
  host: RegExp;
}

/** The validated rule file plus its compiled patterns. */
export interface DetectorRules extends DetectorRulesFile {
  compiled: {
    pseudoTag: RegExp;
    modelDirective: RegExp;
    secrecy: RegExp;
    toolInstruction: RegExp;
    sensitivePath: RegExp;
    credentialWord: RegExp;
    execDescription: RegExp;
    writeDescription: RegExp;
    readDescription: RegExp;
    personRequest: RegExp;
    /** `result_steered.user_adopts`, `user_confirms`, `changed_destination`: case-insensitive, not global. */
    userAdopts: RegExp;
    userConfirms: RegExp;
    changedDestination: RegExp;
    /** Each lexicon as one pattern of whole words (`\b(?:a|b)\b`, case-insensitive, not global). */
    sentence: Record<SentenceLexicon, RegExp>;
    allow: AllowEntry[];
    /** `rule|item_hash` of the findings in `accepted_findings`, read when the rules are loaded. */
    accepted: AcceptedKeys;
  };
  /** Where the rules came from (a path, or `defaults`). */
  source: string;
  /** The approved servers (`server_policy.path`), or null when none is configured. */
  serverPolicy: ServerPolicy | null;
}

export class RulesError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'RulesError';
  }
}

function alternation(sources: readonly string[], flags = 'gi'): RegExp {
  // A pattern that never matches keeps an empty list valid.
  return new RegExp(sources.length === 0 ? '(?!)' : sources.map((s) => `(?:${s})`).join('|'), flags);
}

/** Alternatives matched as whole words; an alternative that starts or ends with a non-word character keeps that edge. */
function wholeWords(sources: readonly string[]): RegExp {
  if (sources.length === 0) return /(?!)/;
  return new RegExp(`(?<![\\w@.+-])(?:${sources.map((s) => `(?:${s})`).join('|')})(?![\\w@-])`, 'i');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function globToRegExp(glob: string | undefined): RegExp {
  if (glob === undefined || glob === '*') return /^/;
  return new RegExp(`^${glob.split('*').map(escapeRegExp).join('.*')}$`, 'i');
}

/** `injected_result.request_patterns` with their `{act}` and `{do}` verb lists filled in. */
function personRequestPattern(cfg: DetectorRulesFile['injected_result']): RegExp {
  const act = `(?:${cfg.acting_verbs.join('|')})`;
  const any = `(?:${[...cfg.acting_verbs, ...cfg.other_verbs].join('|')})`;
  return alternation(
    cfg.request_patterns.map((source) => source.replaceAll('{act}', act).replaceAll('{do}', any)),
  );
}

function acceptedFrom(file: DetectorRulesFile, source: string): AcceptedKeys {
  if (file.accepted_findings === undefined) return new Set();
  const base = source === 'defaults+overrides' ? process.cwd() : dirname(source);
  try {
    return acceptedKeys(loadAcceptedFindings(resolve(base, file.accepted_findings)));
  } catch (error) {
    throw new RulesError(`${source}: accepted_findings: ${errorMessage(error)}`);
  }
}

export function compileRules(file: DetectorRulesFile, source: string): DetectorRules {
  const tags = file.text_shapes.pseudo_tag_names.map((name) => name.replace(/ /g, '[ _-]?')).join('|');
  return {
    ...file,
    source,
    serverPolicy: null,
    compiled: {
      // <tag …>, </tag>, <|tag|>, [tag …], [[[tag …]]], {{tag}}; not the mask of a secret that a
      // receiver upstream masked (`[SECRET:<type>:<fingerprint>]`), which is no text from a server.
      pseudoTag: new RegExp(
        String.raw`<\|?\s*/?\s*(?:${tags})\b[^<>]{0,80}\|?>|\[{1,3}(?!SECRET:[a-z0-9_]+:[0-9a-f]{8}(?::[a-z0-9_]+)?\])\s*(?:${tags})\b[^\]]{0,60}\]{1,3}|\{\{\s*(?:${tags})\s*\}\}`,
        'gi',
      ),
      modelDirective: alternation(file.text_shapes.model_directives),
      secrecy: alternation(file.text_shapes.secrecy),
      toolInstruction: alternation(file.text_shapes.tool_instructions),
      sensitivePath: alternation(file.text_shapes.sensitive_paths),
      credentialWord: alternation(file.text_shapes.credential_words),
      execDescription: alternation(file.capabilities.exec_description, 'i'),
      writeDescription: alternation(file.capabilities.write_description, 'i'),
      readDescription: alternation(file.capabilities.read_description, 'i'),
      personRequest: personRequestPattern(file.injected_result),
      userAdopts: alternation(file.result_steered.user_adopts, 'i'),
      userConfirms: alternation(file.result_steered.user_confirms, 'i'),
      changedDestination: alternation(file.result_steered.changed_destination, 'i'),
      sentence: Object.fromEntries(
        SENTENCE_LEXICONS.map((name) => [name, wholeWords(file.text_shapes.sentence_functions[name])]),
      ) as Record<SentenceLexicon, RegExp>,
      allow: file.allow.map((entry) => ({
        rule: globToRegExp(entry.rule),
        server: globToRegExp(entry.server),
        tool: globToRegExp(entry.tool),
        host: globToRegExp(entry.host),
      })),
      accepted: acceptedFrom(file, source),
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `over` laid on `base`: objects merge key by key, anything else (lists too) replaces. */
function layered(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = layered(base[key], value);
  return out;
}

let shippedFile: unknown;
/**
 * An operator's rule file over the shipped one: a key it leaves out keeps the shipped default, so
 * a file holding only what it changes stays valid when a release adds rules. Unknown keys are
 * still refused.
 */
function overDefaults(value: unknown): unknown {
  shippedFile ??= parseYaml(readFileSync(DEFAULT_RULES_PATH, 'utf8')) as unknown;
  return layered(shippedFile, value ?? {});
}

/** Parses and validates rule-file text; throws RulesError naming each problem and the file. */
export function parseRules(text: string, source: string): DetectorRules {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new RulesError(`${source}: not valid YAML (${errorMessage(error)})`);
  }
  const result = DetectorRulesSchema.safeParse(source === DEFAULT_RULES_PATH ? value : overDefaults(value));
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new RulesError(
      `${source}: invalid detector rules — ${issues.slice(0, 6).join('; ')}. Compare with ${DEFAULT_RULES_PATH}.`,
    );
  }
  return compileRules(result.data, source);
}

/**
 * `serverPolicy`: a policy file that replaces the one the rule file names (`server_policy.path`),
 * and what named it, for errors.
 */
export function loadRules(
  path: string = DEFAULT_RULES_PATH,
  serverPolicy?: { path: string; origin: string },
): DetectorRules {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RulesError(
      `cannot read detector rules ${path}: ${errorMessage(error)} (set MCPTAP_DETECTOR_RULES to a readable file)`,
    );
  }
  const rules = parseRules(text, path);
  const policyPath = rules.server_policy.path;
  if (serverPolicy !== undefined)
    rules.serverPolicy = loadServerPolicy(resolve(serverPolicy.path), serverPolicy.origin);
  else if (policyPath !== '') rules.serverPolicy = loadServerPolicy(resolve(dirname(path), policyPath));
  return rules;
}

let defaults: DetectorRules | undefined;
/** The shipped rules, loaded once. */
export function defaultRules(): DetectorRules {
  defaults ??= loadRules(DEFAULT_RULES_PATH);
  return defaults;
}

/** A copy of the shipped rules with some sections replaced (tests, demo: short learning windows). */
export function rulesWith(overrides: Partial<DetectorRulesFile>): DetectorRules {
  const base = defaultRules();
  const { compiled: _compiled, source: _source, serverPolicy: _policy, ...file } = base;
  return compileRules(DetectorRulesSchema.parse({ ...file, ...overrides }), 'defaults+overrides');
}

export function isAllowed(
  rules: DetectorRules,
  finding: { rule: string; server?: string; tool?: string; host?: string },
): boolean {
  return rules.compiled.allow.some(
    (entry) =>
      entry.rule.test(finding.rule) &&
      entry.server.test(finding.server ?? '') &&
      entry.tool.test(finding.tool ?? '') &&
      entry.host.test(finding.host ?? ''),
  );
}
