import type { DetectorRules } from '../config/detector-rules.js';

/** What a tool can do, judged from its name tokens, parameter names and description. */
export interface ToolCapabilities {
  exec: boolean;
  write: boolean;
  network: boolean;
}

export type Capability = keyof ToolCapabilities;
export const CAPABILITIES: readonly Capability[] = ['exec', 'write', 'network'];

/** `sendEmailFast`, `send-email.fast` → `send`, `email`, `fast`. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((token) => token !== '');
}

interface ToolLike {
  name?: unknown;
  description?: unknown;
  inputSchema?: unknown;
}

export function parameterNames(tool: ToolLike): string[] {
  const schema = tool.inputSchema;
  if (typeof schema !== 'object' || schema === null) return [];
  const properties = (schema as { properties?: unknown }).properties;
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

export function toolCapabilities(tool: ToolLike, rules: DetectorRules): ToolCapabilities {
  const caps = rules.capabilities;
  const ordered = nameTokens(typeof tool.name === 'string' ? tool.name : '');
  const tokens = new Set(ordered);
  // The first verb decides, after any namespace (`domains_get_incoming_move` reads).
  const verb = ordered.find(
    (t) =>
      caps.read_name_prefixes.includes(t) ||
      caps.write_name_tokens.includes(t) ||
      caps.exec_name_tokens.includes(t),
  );
  const readsOnly = verb !== undefined && caps.read_name_prefixes.includes(verb);
  const params = new Set(parameterNames(tool).map((p) => p.toLowerCase()));
  const description = typeof tool.description === 'string' ? tool.description : '';
  const any = (names: readonly string[], set: ReadonlySet<string>) => names.some((n) => set.has(n));
  return {
    exec:
      any(caps.exec_name_tokens, tokens) ||
      any(caps.exec_param_names, params) ||
      rules.compiled.execDescription.test(description),
    write:
      (!readsOnly && any(caps.write_name_tokens, tokens)) ||
      rules.compiled.writeDescription.test(description),
    network: any(caps.network_name_tokens, tokens) || any(caps.network_param_names, params),
  };
}
