import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { CatalogKindSchema, type CatalogKind, errorMessage } from '../../model/index.js';
import { globToRegExp as glob } from './detector-rules.js';

/**
 * The approved servers of a tenant (YAML): which servers may run, at which trust level, in which
 * versions, with which catalog. Named by MCPTAP_SERVER_POLICY or the rule file (`server_policy.path`),
 * and reloaded with the rules (see rules-watch.ts); no policy means the `server_policy` detector is silent.
 */

export const TRUST_LEVELS = ['first_party', 'vetted', 'community'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in hex (a catalog event hash)');

const ServerEntrySchema = z.strictObject({
  /** Glob (`*` wildcard) on the server name the proxy or shim reports. */
  name: z.string().min(1),
  /** Glob on the server identity (`server_id`); any when absent. */
  server_id: z.string().min(1).optional(),
  trust: z.enum(TRUST_LEVELS),
  /** Exact versions or globs (`1.2.*`); any version when absent or empty. */
  versions: z.array(z.string().min(1)).optional(),
  /** The approved canonical hash per catalog kind (`mcptap servers` shows them). */
  catalogs: z.partialRecord(CatalogKindSchema, Sha256).optional(),
  /** The approved catalog items per kind, to diff a mismatching catalog against. */
  approved_catalogs: z.partialRecord(CatalogKindSchema, z.array(z.unknown())).optional(),
});

export const ServerPolicySchema = z.strictObject({
  version: z.literal(1),
  servers: z.array(ServerEntrySchema),
});
export type ServerPolicyFile = z.infer<typeof ServerPolicySchema>;

export interface ServerPolicyEntry {
  name: RegExp;
  serverId: RegExp;
  trust: TrustLevel;
  versions: RegExp[];
  catalogs: Partial<Record<CatalogKind, string>>;
  approvedCatalogs: Partial<Record<CatalogKind, unknown[]>>;
  /** The entry's name glob as written, for alerts. */
  label: string;
  /** The approved versions as written, for alerts. */
  versionsText: string;
}

export interface ServerPolicy {
  entries: ServerPolicyEntry[];
  /** Where it was read from. */
  source: string;
}

export class ServerPolicyError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ServerPolicyError';
  }
}

/** The policy file's text, parsed and validated (not compiled). */
function validatedPolicyFile(text: string, source: string): ServerPolicyFile {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ServerPolicyError(`${source}: not valid YAML (${errorMessage(error)})`);
  }
  const result = ServerPolicySchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ServerPolicyError(
      `${source}: invalid server policy — ${issues.slice(0, 6).join('; ')}. See detectors/README.md (server policy).`,
    );
  }
  return result.data;
}

export function parseServerPolicy(text: string, source: string): ServerPolicy {
  const file = validatedPolicyFile(text, source);
  return {
    source,
    entries: file.servers.map((entry) => ({
      name: glob(entry.name),
      serverId: glob(entry.server_id),
      trust: entry.trust,
      versions: (entry.versions ?? []).map(glob),
      catalogs: entry.catalogs ?? {},
      approvedCatalogs: entry.approved_catalogs ?? {},
      label: entry.name,
      versionsText: (entry.versions ?? []).join(', ') || 'any version',
    })),
  };
}

/** `origin`: what named the file, for the operator to fix (the rule file's key, or an env variable). */
export function loadServerPolicy(path: string, origin = 'server_policy.path in the rule file'): ServerPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ServerPolicyError(`cannot read server policy ${path}: ${errorMessage(error)} (fix ${origin})`);
  }
  return parseServerPolicy(text, path);
}

/** The first entry that approves this server, or undefined. */
export function policyEntryFor(
  policy: ServerPolicy,
  server: { server_name: string; server_id: string },
): ServerPolicyEntry | undefined {
  return policy.entries.find((e) => e.name.test(server.server_name) && e.serverId.test(server.server_id));
}

export function versionAllowed(entry: ServerPolicyEntry, version: string): boolean {
  return entry.versions.length === 0 || entry.versions.some((v) => v.test(version));
}

export type ApprovalState =
  'no_policy' | 'approved' | 'unapproved_server' | 'unapproved_version' | 'catalog_mismatch';

/** Where a server of the inventory stands against the policy (`mcptap servers`, the console). */
export function approvalOf(
  policy: ServerPolicy | null,
  server: {
    server_name: string;
    server_id: string;
    versions: readonly string[];
    catalogs: Record<string, string>;
  },
): { approval: ApprovalState; trust: TrustLevel | '' } {
  if (policy === null) return { approval: 'no_policy', trust: '' };
  const entry = policyEntryFor(policy, server);
  if (entry === undefined) return { approval: 'unapproved_server', trust: '' };
  if (server.versions.some((v) => !versionAllowed(entry, v)))
    return { approval: 'unapproved_version', trust: entry.trust };
  const mismatch = Object.entries(entry.catalogs).some(
    ([kind, hash]) => server.catalogs[kind] !== undefined && server.catalogs[kind] !== hash,
  );
  return { approval: mismatch ? 'catalog_mismatch' : 'approved', trust: entry.trust };
}

export interface ServerPin {
  name: string;
  trust: TrustLevel;
  versions: string[];
  catalogs: Partial<Record<CatalogKind, string>>;
}

/**
 * The policy file's text with `pin` as the entry for its server name (replacing one of the same
 * name, else appended); `fileText` undefined starts a new policy. Validated before it is returned.
 */
export function pinServer(fileText: string | undefined, pin: ServerPin, source: string): string {
  const file: ServerPolicyFile =
    fileText === undefined ? { version: 1, servers: [] } : validatedPolicyFile(fileText, source);
  const entry = {
    name: pin.name,
    trust: pin.trust,
    ...(pin.versions.length > 0 ? { versions: pin.versions } : {}),
    ...(Object.keys(pin.catalogs).length > 0 ? { catalogs: pin.catalogs } : {}),
  };
  const at = file.servers.findIndex((s) => s.name === pin.name);
  if (at >= 0) file.servers[at] = entry;
  else file.servers.push(entry);
  const text = stringifyYaml(file);
  parseServerPolicy(text, source);
  return text;
}
