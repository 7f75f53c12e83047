import type { ContentReadEvent, ToolCallEvent } from '../../model/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import type { DetectorContext } from '../engine/detector.js';
import { findSecretsOrMasks } from '../../secrets/index.js';
import { nameTokens, toolCapabilities, type ToolCapabilities } from '../lint/tool-capabilities.js';

/** Signals about one call shared by the session detectors (injection follow-up, exfil chain). */

function firstMatch(pattern: RegExp, text: string): string | null {
  pattern.lastIndex = 0;
  const m = pattern.exec(text);
  pattern.lastIndex = 0;
  return m === null ? null : m[0];
}

/** What makes the call a sensitive read, or null: a secret-looking path in its arguments or target, or secrets in what it returned. */
export function sensitiveRead(event: ToolCallEvent | ContentReadEvent, ctx: DetectorContext): string | null {
  if (ctx.facts.sensitiveRead === undefined) ctx.facts.sensitiveRead = findSensitiveRead(event, ctx.rules);
  return ctx.facts.sensitiveRead;
}

function findSensitiveRead(event: ToolCallEvent | ContentReadEvent, rules: DetectorRules): string | null {
  const asked = event.kind === 'tool_call' ? event.arguments.text : event.target;
  const path = firstMatch(rules.compiled.sensitivePath, asked);
  if (path !== null) return `sensitive path '${path.trim()}' requested`;
  const returned = event.kind === 'tool_call' ? event.result.text : event.content.text;
  const secrets = findSecretsOrMasks(returned);
  if (secrets.length > 0) return `result contains ${[...new Set(secrets.map((s) => s.type))].join(', ')}`;
  return null;
}

/** Top-level argument names of a call ([] when the arguments are not a JSON object). */
export function argumentKeys(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  } catch {
    return [];
  }
}

// Tools repeat: judge each tool name and argument-name set once per rule set.
const CACHE_SIZE = 1024;
const judged = new WeakMap<DetectorRules, Map<string, ToolCapabilities>>();

/** Exec/write/network capabilities of a call, judged from its tool name and argument names. */
export function callCapabilities(event: ToolCallEvent, ctx: DetectorContext): ToolCapabilities {
  ctx.facts.capabilities ??= judgeCall(event, ctx.rules);
  return ctx.facts.capabilities;
}

function judgeCall(event: ToolCallEvent, rules: DetectorRules): ToolCapabilities {
  const keys = argumentKeys(event.arguments.text);
  let byCall = judged.get(rules);
  if (byCall === undefined) judged.set(rules, (byCall = new Map()));
  const cacheKey = `${event.tool}\u0000${keys.join('\u0000')}`;
  let caps = byCall.get(cacheKey);
  if (caps === undefined) {
    const properties = Object.fromEntries(keys.map((k) => [k, {}]));
    caps = toolCapabilities({ name: event.tool, inputSchema: { properties } }, rules);
    if (byCall.size >= CACHE_SIZE) byCall.delete(byCall.keys().next().value as string);
    byCall.set(cacheKey, caps);
  }
  return caps;
}

/** What a call does to the world, most harmful first; `null` for reads and plain fetches. */
export type SinkKind = 'exec' | 'pay' | 'send' | 'delete' | 'write';

const ACRONYM_END = /([A-Z]+)([A-Z][a-z])/g;
const sinkCache = new WeakMap<DetectorRules, Map<string, SinkKind | null>>();

/**
 * The sink a call is, from its tool name tokens (`result_steered` token lists) and its exec/write
 * capabilities. A read verb anywhere in the name (`get_payment`, `GmailReadEmail`) makes it a read.
 */
export function callSink(event: ToolCallEvent, ctx: DetectorContext): SinkKind | null {
  if (ctx.facts.sink === undefined) {
    let byTool = sinkCache.get(ctx.rules);
    if (byTool === undefined) sinkCache.set(ctx.rules, (byTool = new Map()));
    let sink = byTool.get(event.tool);
    if (sink === undefined) {
      // `EpicFHIRManageDocuments`: split the acronym from the next word too.
      sink = judgeSink(nameTokens(event.tool.replace(ACRONYM_END, '$1 $2')), ctx.rules);
      if (byTool.size >= CACHE_SIZE) byTool.delete(byTool.keys().next().value as string);
      byTool.set(event.tool, sink);
    }
    const caps = callCapabilities(event, ctx);
    ctx.facts.sink = caps.exec ? 'exec' : (sink ?? (caps.write ? 'write' : null));
  }
  return ctx.facts.sink as SinkKind | null;
}

function judgeSink(tokens: readonly string[], rules: DetectorRules): SinkKind | null {
  const cfg = rules.result_steered;
  const reads = rules.capabilities.read_name_prefixes;
  const lists: Array<[SinkKind, readonly string[]]> = [
    ['pay', cfg.pay_tokens],
    ['send', cfg.send_tokens],
    ['delete', cfg.delete_tokens],
    ['write', cfg.write_tokens],
  ];
  if (tokens.some((token) => reads.includes(token))) return null;
  for (const [kind, words] of lists) if (tokens.some((token) => words.includes(token))) return kind;
  return null;
}
