import { canonicalHash } from './canonical-json.js';

/** What identifies an MCP server across sessions and hosts. */
export interface ServerIdentityInput {
  /** The logical name the host gave the server (its key in the host's MCP config). */
  name: string;
  /** The command line (stdio) or URL (HTTP) that reaches the server. */
  endpoint: string;
  /** `serverInfo.version` from `initialize`, when known. */
  version?: string | null;
}

/** Stable id: the same name, endpoint and version always give the same 16-hex-digit id. */
export function serverId(input: ServerIdentityInput): string {
  return canonicalHash({ name: input.name, endpoint: input.endpoint, version: input.version ?? '' }).slice(
    0,
    16,
  );
}
