import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { canonicalHash, errorMessage } from '../../model/index.js';

/**
 * Reviewed findings (`mcptap scan --accept`, rule-file key `accepted_findings`): each one is bound to
 * the rule and to the hash of the item it was found on, so a changed item re-opens it.
 */

export const AcceptedFindingSchema = z.strictObject({
  /** The alert rule, e.g. `catalog_lint.extra_schema_key`. */
  rule: z.string().min(1),
  server: z.string(),
  item: z.string(),
  /** `catalogItemHash` of the item when it was reviewed. */
  item_hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected the 64-hex-digit item hash'),
  reason: z.string().min(1, 'say why the finding is acceptable'),
  accepted_by: z.string().min(1, 'say who reviewed it'),
  accepted_at: z.string().optional(),
});
export type AcceptedFinding = z.infer<typeof AcceptedFindingSchema>;

export const AcceptedFindingsFileSchema = z.strictObject({ accepted: z.array(AcceptedFindingSchema) });

/** The server instructions are linted as an item of this name. */
export const INSTRUCTIONS_ITEM = '(server instructions)';

/**
 * The identity of one catalog item as reviewed: the server's name in the host config, the catalog
 * it is in, its name and its whole definition (a changed description changes the hash).
 */
export function catalogItemHash(server: string, kind: string, name: string, item: unknown): string {
  return canonicalHash({ server, kind, name, item });
}

/** Keys `rule|item_hash` of the accepted findings, for lookups per finding. */
export type AcceptedKeys = ReadonlySet<string>;

export function acceptedKey(rule: string, itemHash: string): string {
  return `${rule}|${itemHash}`;
}

export class AcceptedFindingsError extends Error {
  readonly retriable = false;
}

/** Parses an accept file (YAML or JSON: YAML is a superset); throws naming the file and each problem. */
export function parseAcceptedFindings(text: string, source: string): AcceptedFinding[] {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new AcceptedFindingsError(`${source}: not valid YAML or JSON (${errorMessage(error)})`);
  }
  const result = AcceptedFindingsFileSchema.safeParse(value ?? { accepted: [] });
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AcceptedFindingsError(
      `${source}: invalid accepted findings — ${issues.slice(0, 6).join('; ')}. Expected {accepted: [{rule, server, item, item_hash, reason, accepted_by}]}; mcptap scan --accept-all-into FILE writes one.`,
    );
  }
  return result.data.accepted;
}

export function loadAcceptedFindings(path: string): AcceptedFinding[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AcceptedFindingsError(`cannot read accepted findings ${path}: ${errorMessage(error)}`);
  }
  return parseAcceptedFindings(text, path);
}

export function acceptedKeys(accepted: readonly AcceptedFinding[]): AcceptedKeys {
  return new Set(accepted.map((a) => acceptedKey(a.rule, a.item_hash)));
}
