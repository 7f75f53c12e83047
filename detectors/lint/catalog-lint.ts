import type { Severity } from '../../model/index.js';
import type { DetectorRules, LintRule } from '../config/detector-rules.js';
import { excerptAround, findTextShapes } from './text-shapes.js';
import { lookalike } from './lookalike-names.js';
import { toolCapabilities } from './tool-capabilities.js';

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
}

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
  ) {}
  add(field: string, rule: LintRule, excerpt: string): void {
    const key = `${field}\u0000${rule}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push({
      tool: this.tool,
      field,
      rule,
      severity: this.rules.catalog_lint.severity[rule],
      excerpt,
    });
  }
  text(field: string, text: string): void {
    for (const hit of findTextShapes(text, this.rules)) {
      this.add(field, hit.shape, excerptAround(text, hit.start, hit.end));
    }
  }
  /** Every string inside a value (keys too), e.g. an unexpected annotation or schema key. */
  strings(field: string, value: Json | undefined): void {
    if (typeof value === 'string') this.text(field, value);
    else if (Array.isArray(value)) value.forEach((item, i) => this.strings(`${field}[${i}]`, item));
    else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        this.text(`${field}.${key}`, key.replace(/_/g, ' '));
        this.strings(`${field}.${key}`, item);
      }
    }
  }
}

function lintSchema(
  sink: FindingSink,
  rules: DetectorRules,
  path: string,
  schema: Json | undefined,
  depth: number,
): void {
  if (!isObject(schema) || depth > 8) {
    if (typeof schema === 'string') sink.text(path, schema);
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
        if (key === 'properties' && rules.catalog_lint.exfil_param_names.includes(name.toLowerCase())) {
          sink.add(`${paramField}(name)`, 'exfil_param', `parameter '${name}' is a side channel name`);
        }
        lintSchema(sink, rules, paramField, sub, depth + 1);
      }
    } else if (
      key === 'items' ||
      key === 'additionalProperties' ||
      key === 'not' ||
      key === 'if' ||
      key === 'then' ||
      key === 'else'
    ) {
      lintSchema(sink, rules, field, value, depth + 1);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf' || key === 'prefixItems') {
      if (Array.isArray(value))
        value.forEach((sub, i) => lintSchema(sink, rules, `${field}[${i}]`, sub, depth + 1));
    } else if (key === 'type') {
      const types = Array.isArray(value) ? value : [value];
      for (const t of types) if (typeof t === 'string' && !JSON_TYPES.has(t)) sink.text(field, t);
    } else if (key === 'required') {
      if (Array.isArray(value))
        value.forEach((item) => typeof item === 'string' && sink.text(field, item.replace(/_/g, ' ')));
    } else if (known.has(key)) {
      sink.strings(field, value);
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
  if (annotations.readOnlyHint === true && (caps.exec || caps.write)) {
    sink.add(
      'annotations.readOnlyHint',
      'annotation_lie',
      `marked read-only but its name/parameters say it can ${caps.exec ? 'execute commands' : 'write or delete'}`,
    );
  } else if (annotations.destructiveHint === false && caps.exec) {
    sink.add(
      'annotations.destructiveHint',
      'annotation_lie',
      'marked non-destructive but it executes commands',
    );
  }
}

/** Lints one tool definition. */
export function lintTool(tool: unknown, rules: DetectorRules): LintFinding[] {
  if (!isObject(tool)) return [];
  const name = typeof tool.name === 'string' ? tool.name : '(unnamed)';
  const sink = new FindingSink(rules, name);
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
  const findings = tools.flatMap((tool) => lintTool(tool, rules));
  // A lure twin in the same catalog (add_numbers next to add_numbers_secure) competes for the model's choice.
  const names = tools.map((tool) => (isObject(tool) && typeof tool.name === 'string' ? tool.name : ''));
  for (const candidate of names) {
    const original = names.find(
      (name) => name !== candidate && lookalike(name, candidate, rules, false) === 'affix',
    );
    if (original !== undefined) {
      findings.push({
        tool: candidate,
        field: 'name',
        rule: 'lookalike_name',
        severity: rules.catalog_lint.severity.lookalike_name,
        excerpt: `'${candidate}' imitates '${original}' in the same catalog`,
      });
    }
  }
  if (instructions !== '') {
    const sink = new FindingSink(rules, '(server instructions)');
    sink.text('instructions', instructions);
    const ignored = new Set(rules.catalog_lint.instructions_ignore);
    findings.push(...sink.findings.filter((finding) => !ignored.has(finding.rule)));
  }
  return findings;
}
