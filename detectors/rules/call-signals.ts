import type { ContentReadEvent, ToolCallEvent } from '../../model/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { findSecrets } from '../secrets/find-secrets.js';
import { toolCapabilities } from '../lint/tool-capabilities.js';

/** Signals about one call shared by the session detectors (injection follow-up, exfil chain). */

function firstMatch(pattern: RegExp, text: string): string | null {
  pattern.lastIndex = 0;
  const m = pattern.exec(text);
  pattern.lastIndex = 0;
  return m === null ? null : m[0];
}

/** What makes the call a sensitive read, or null: a secret-looking path in its arguments or target, or secrets in what it returned. */
export function sensitiveRead(event: ToolCallEvent | ContentReadEvent, rules: DetectorRules): string | null {
  const asked = event.kind === 'tool_call' ? event.arguments.text : event.target;
  const path = firstMatch(rules.compiled.sensitivePath, asked);
  if (path !== null) return `sensitive path '${path.trim()}' requested`;
  const returned = event.kind === 'tool_call' ? event.result.text : event.content.text;
  const secrets = findSecrets(returned);
  if (secrets.length > 0) return `result contains ${[...new Set(secrets.map((s) => s.type))].join(', ')}`;
  return null;
}

function argumentKeys(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  } catch {
    return [];
  }
}

/** Exec/write/network capabilities of a call, judged from its tool name and argument names. */
export function callCapabilities(event: ToolCallEvent, rules: DetectorRules) {
  const properties = Object.fromEntries(argumentKeys(event.arguments.text).map((k) => [k, {}]));
  return toolCapabilities({ name: event.tool, inputSchema: { properties } }, rules);
}
