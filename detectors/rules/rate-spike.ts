import { z } from 'zod';
import type { McpEvent } from '../../model/index.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { defineDetector, type Detector, type Finding } from '../engine/detector.js';

const State = z.object({
  bucket_start: z.number(),
  count: z.number(),
  ewma: z.number(),
  buckets: z.number(),
  fired_bucket: z.number(),
});
type State = z.infer<typeof State>;

/** Closes finished buckets into the EWMA (empty buckets decay it), then counts this call. */
export function countCall(state: State, ms: number, rules: DetectorRules): void {
  const { bucket_ms, alpha } = rules.rate_spike;
  const bucket = Math.floor(ms / bucket_ms) * bucket_ms;
  if (state.buckets === 0 && state.count === 0) state.bucket_start = bucket;
  if (bucket > state.bucket_start) {
    const elapsed = Math.min(Math.round((bucket - state.bucket_start) / bucket_ms), 1000);
    state.ewma = alpha * state.count + (1 - alpha) * state.ewma;
    state.ewma *= (1 - alpha) ** (elapsed - 1);
    state.buckets += elapsed;
    state.bucket_start = bucket;
    state.count = 0;
  }
  state.count += 1;
}

function rateSpike(scope: 'tool' | 'session', key: (e: McpEvent) => string): Detector {
  return defineDetector<State>({
    id: `rate_spike_${scope}`,
    kinds: ['tool_call'],
    state: {
      key,
      initial: () => ({ bucket_start: 0, count: 0, ewma: 0, buckets: 0, fired_bucket: -1 }),
      schema: State,
      expires: scope === 'session',
    },
    runbooks: {
      rate_spike:
        'Calls far above their baseline: check in the tool-call dashboard which session or host drives them (loop, scraping, abuse) and whether the results went anywhere.',
    },
    onEvent(event: McpEvent, state, { rules, ms }) {
      const cfg = rules.rate_spike;
      if (event.kind !== 'tool_call' || !cfg.enabled) return [];
      countCall(state, ms, rules);
      const baseline = Math.max(state.ewma, 1);
      if (
        state.buckets < cfg.warmup_buckets ||
        state.count < cfg.min_calls ||
        state.count <= cfg.factor * baseline ||
        state.fired_bucket === state.bucket_start
      ) {
        return [];
      }
      state.fired_bucket = state.bucket_start;
      const subject = scope === 'tool' ? `${event.server_name}/${event.tool}` : `session ${event.session_id}`;
      const finding: Finding = {
        rule: 'rate_spike',
        severity: cfg.severity,
        key: scope === 'tool' ? ['tool', event.server_name, event.tool] : ['session', event.session_id],
        evidence: [event.event_id],
        summary: `${state.count} calls in ${cfg.bucket_ms / 1000} s for ${subject}, ${(state.count / baseline).toFixed(1)}× its baseline of ${state.ewma.toFixed(1)} per bucket.`,
        details: {
          scope,
          count: String(state.count),
          baseline: state.ewma.toFixed(2),
          bucket_ms: String(cfg.bucket_ms),
        },
      };
      if (scope === 'session') finding.tool = '';
      return [finding];
    },
  });
}

/** Volume: calls per tool (tenant-wide) and per session far above their EWMA baseline. */
export const rateSpikeToolDetector = rateSpike(
  'tool',
  (e) => `${e.tenant}/${'server_name' in e ? e.server_name : ''}/${'tool' in e ? e.tool : ''}`,
);
export const rateSpikeSessionDetector = rateSpike('session', (e) => `${e.tenant}/${e.session_id}`);
