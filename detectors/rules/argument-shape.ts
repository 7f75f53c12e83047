import { z } from 'zod';
import type { McpEvent, ToolCallEvent } from '../../model/index.js';
import { findArgumentDestinations } from '../../extract/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { defineDetector, type Finding } from '../engine/detector.js';
import {
  argumentValues,
  OPAQUE_ENCODINGS,
  type ArgumentValue,
  type ValueEncoding,
} from './argument-values.js';

/**
 * Argument patterns: per tenant × server × tool, the shape of the arguments seen over a learning
 * window — keys, value types, string lengths (running mean and variance), encodings, path roots and
 * destination hosts — then one alert per departure. Only shapes are kept, never values.
 */

const KeyShape = z.object({
  types: z.array(z.string()),
  /** String values seen, their mean length and sum of squared deviations (Welford), longest. */
  n: z.number(),
  mean: z.number(),
  m2: z.number(),
  max: z.number(),
  encodings: z.array(z.string()),
  roots: z.array(z.string()),
  roots_full: z.boolean(),
});
type KeyShape = z.infer<typeof KeyShape>;

const State = z.object({
  calls: z.number(),
  first_ms: z.number(),
  keys: z.record(z.string(), KeyShape),
  key_count: z.number(),
  keys_full: z.boolean(),
  hosts: z.array(z.string()),
  hosts_full: z.boolean(),
  /** Calls that named a destination. */
  host_calls: z.number(),
});
type State = z.infer<typeof State>;

export const ARGUMENT_DEPARTURES = [
  'new_key',
  'type_change',
  'length',
  'encoding',
  'path_root',
  'new_host',
] as const;
export type ArgumentDeparture = (typeof ARGUMENT_DEPARTURES)[number];

type Config = DetectorRules['argument_shape'];

interface Departure {
  kind: ArgumentDeparture;
  argument: string;
  learned: string;
  observed: string;
  /** What tells this departure apart from another of its kind (a root, a host). */
  subject?: string;
  sentence: string;
}

const MAX_VALUES_PER_CALL = 256;
const MAX_HOSTS_PER_CALL = 16;

function newKeyShape(): KeyShape {
  return { types: [], n: 0, mean: 0, m2: 0, max: 0, encodings: [], roots: [], roots_full: false };
}

function addOnce(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}

function lengthOutlier(shape: KeyShape, length: number, cfg: Config): boolean {
  if (shape.n < cfg.min_values || length <= shape.max) return false;
  const sigma = Math.sqrt(shape.m2 / shape.n);
  return length > shape.mean + cfg.length_sigma * sigma && length - shape.mean >= cfg.length_floor;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What this call does differently from the learned shape (at most one departure per kind). */
function departures(
  state: State,
  values: readonly ArgumentValue[],
  hosts: readonly string[],
  cfg: Config,
): Departure[] {
  const found = new Map<ArgumentDeparture, Departure>();
  const add = (d: Departure) => {
    if (!found.has(d.kind)) found.set(d.kind, d);
  };
  const calls = plural(state.calls, 'call');
  for (const value of values) {
    const shape = state.keys[value.path];
    if (shape === undefined) {
      if (!state.keys_full)
        add({
          kind: 'new_key',
          argument: value.path,
          learned: Object.keys(state.keys).slice(0, 20).join(', '),
          observed: `${value.path} (${value.type})`,
          sentence: `a new argument '${value.path}' (${value.type}) never seen in ${calls}`,
        });
      continue;
    }
    if (!shape.types.includes(value.type)) {
      add({
        kind: 'type_change',
        argument: value.path,
        learned: shape.types.join(', '),
        observed: value.type,
        sentence: `'${value.path}' is ${value.type}, always ${shape.types.join(' or ')} in ${calls}`,
      });
    }
    if (value.length === undefined || value.encoding === undefined) continue;
    if (lengthOutlier(shape, value.length, cfg)) {
      const sigma = Math.sqrt(shape.m2 / shape.n);
      add({
        kind: 'length',
        argument: value.path,
        learned: `mean ${Math.round(shape.mean)} ± ${Math.round(sigma)} characters, longest ${shape.max} (${plural(shape.n, 'value')})`,
        observed: `${value.length} characters`,
        sentence: `'${value.path}' is ${value.length} characters long, against a mean of ${Math.round(shape.mean)} ± ${Math.round(sigma)} and a longest of ${shape.max} in ${calls}`,
      });
    }
    const learnedOpaque = shape.encodings.some((e) => OPAQUE_ENCODINGS.has(e as ValueEncoding));
    if (
      shape.n >= cfg.min_values &&
      OPAQUE_ENCODINGS.has(value.encoding) &&
      !learnedOpaque &&
      !shape.encodings.includes(value.encoding)
    ) {
      add({
        kind: 'encoding',
        argument: value.path,
        learned: shape.encodings.join(', '),
        observed: value.encoding,
        sentence: `'${value.path}' carries ${value.encoding.replace('_', '-')} data (${value.length} characters) where ${calls} sent only ${shape.encodings.join(' or ')}`,
      });
    }
    if (
      value.root !== undefined &&
      shape.roots.length > 0 &&
      !shape.roots_full &&
      !shape.roots.includes(value.root)
    ) {
      add({
        kind: 'path_root',
        argument: value.path,
        learned: shape.roots.join(', '),
        observed: value.root,
        subject: value.root,
        sentence: `'${value.path}' is a path under '${value.root}', outside the ${plural(shape.roots.length, 'root')} learned in ${calls} (${shape.roots.join(', ')})`,
      });
    }
  }
  if (state.host_calls >= cfg.min_values && !state.hosts_full) {
    const host = hosts.find((h) => !state.hosts.includes(h));
    if (host !== undefined) {
      add({
        kind: 'new_host',
        argument: '(destinations)',
        learned: state.hosts.join(', '),
        observed: host,
        subject: host,
        sentence: `it names the destination '${host}', while its ${plural(state.host_calls, 'call')} with a destination went only to ${state.hosts.join(', ')}`,
      });
    }
  }
  return [...found.values()];
}

/** Folds the call into the learned shape; a length outlier after learning does not move the mean. */
function learn(
  state: State,
  values: readonly ArgumentValue[],
  hosts: readonly string[],
  cfg: Config,
  learning: boolean,
): void {
  for (const value of values) {
    let shape = state.keys[value.path];
    if (shape === undefined) {
      if (state.key_count >= cfg.max_keys) {
        state.keys_full = true;
        continue;
      }
      shape = state.keys[value.path] = newKeyShape();
      state.key_count++;
    }
    addOnce(shape.types, value.type);
    if (value.length === undefined || value.encoding === undefined) continue;
    addOnce(shape.encodings, value.encoding);
    if (value.root !== undefined && !shape.roots.includes(value.root)) {
      if (shape.roots.length < cfg.max_roots) shape.roots.push(value.root);
      else shape.roots_full = true;
    }
    if (learning || !lengthOutlier(shape, value.length, cfg)) {
      shape.n++;
      const delta = value.length - shape.mean;
      shape.mean += delta / shape.n;
      shape.m2 += delta * (value.length - shape.mean);
      shape.max = Math.max(shape.max, value.length);
    }
  }
  if (hosts.length > 0) state.host_calls++;
  for (const host of hosts) {
    if (state.hosts.includes(host)) continue;
    if (state.hosts.length < cfg.max_hosts) state.hosts.push(host);
    else state.hosts_full = true;
  }
}

function parseArguments(event: ToolCallEvent): unknown {
  if (event.arguments.truncated) return undefined;
  try {
    return JSON.parse(event.arguments.text) as unknown;
  } catch {
    return undefined;
  }
}

export const argumentShapeDetector = defineDetector<State>({
  id: 'argument_shape',
  kinds: ['tool_call'],
  state: {
    key: (e) => `${e.tenant}/${'server_name' in e ? e.server_name : ''}/${'tool' in e ? e.tool : ''}`,
    initial: () => ({
      calls: 0,
      first_ms: -1,
      keys: {},
      key_count: 0,
      keys_full: false,
      hosts: [],
      hosts_full: false,
      host_calls: 0,
    }),
    schema: State,
    expires: false,
  },
  runbooks: {
    argument_shape:
      'A tool was called with arguments unlike every earlier call of it: open the session (mcptap session / console) and read the call and the turn before it. An encoded blob, an oversized value, a path outside the usual roots or a new destination is how data leaves or a deputy is steered; if the call is legitimate, nothing to do (each new shape alerts once).',
  },
  onEvent(event: McpEvent, state, { rules, ms }) {
    const cfg = rules.argument_shape;
    if (event.kind !== 'tool_call' || !cfg.enabled) return [];
    const args = parseArguments(event);
    if (args === undefined) return [];
    const values = argumentValues(args, {
      depth: cfg.depth,
      maxValues: MAX_VALUES_PER_CALL,
      blobMinLength: rules.text_shapes.encoded_blob_min_length,
      rootDepth: cfg.root_depth,
    });
    const hosts = [...new Set(findArgumentDestinations(args, MAX_HOSTS_PER_CALL).map((d) => d.host))].filter(
      (h) => h !== '',
    );
    if (state.first_ms < 0) state.first_ms = ms;
    const learning = state.calls < cfg.learning_calls || ms - state.first_ms < cfg.learning_window_ms;
    const found = learning ? [] : departures(state, values, hosts, cfg);
    learn(state, values, hosts, cfg, learning);
    state.calls++;
    return found.map((d): Finding => ({
      rule: `argument_shape.${d.kind}`,
      severity: cfg.severity[d.kind],
      key: [event.server_name, event.tool, d.argument, ...(d.subject === undefined ? [] : [d.subject])],
      evidence: [event.event_id],
      summary: `${event.server_name}/${event.tool} was called with arguments unlike its ${plural(state.calls - 1, 'earlier call')}: ${d.sentence}.`,
      details: {
        departure: d.kind,
        argument: d.argument,
        learned: d.learned,
        observed: d.observed,
        learned_calls: String(state.calls - 1),
      },
      ...(d.kind === 'new_host' && d.subject !== undefined ? { host: d.subject } : {}),
    }));
  },
});
