import { createHash } from 'node:crypto';
import type { Alert, McpEvent } from '../../model/index.js';
import { parseTranscriptLine, SessionExtractor } from '../../extract/index.js';
import { createDetectorEngine } from '../engine/create-engine.js';
import type { DetectorRules } from '../config/detector-rules.js';
import { errorMessage } from '../../model/index.js';

export interface ReplayOptions {
  rules: DetectorRules;
  /** For lines without `tenant` / `host_id`. */
  tenant: string;
  hostId: string;
  /** Resolve alerts at the end of the transcript (default false: a replay reports what fired). */
  resolveAtEnd?: boolean;
}

export interface ReplayResult {
  alerts: Alert[];
  events: McpEvent[];
  /** Malformed lines, 1-based, with the reason; skipped. */
  errors: Array<{ line: number; reason: string }>;
  /** Lines read and replayed (blank lines are neither read nor malformed). */
  linesRead: number;
}

/**
 * A transcript through the shim's extraction (the same SessionExtractor as the live proxy) and
 * every detector. Event ids are derived from the transcript so that a replay is reproducible.
 */
export function replayTranscript(text: string, options: ReplayOptions): ReplayResult {
  let counter = 0;
  const seed = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const extractor = new SessionExtractor({
    tenant: options.tenant,
    hostId: options.hostId,
    newId: () => `${seed}-${(++counter).toString().padStart(6, '0')}`,
  });
  const engine = createDetectorEngine(options.rules);
  const result: ReplayResult = { alerts: [], events: [], errors: [], linesRead: 0 };
  const run = (events: McpEvent[]) => {
    for (const event of events) {
      result.events.push(event);
      result.alerts.push(...engine.process(event));
    }
  };
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      run(extractor.push(parseTranscriptLine(raw)));
      result.linesRead++;
    } catch (error) {
      result.errors.push({ line: index + 1, reason: errorMessage(error) });
    }
  });
  run(extractor.flush());
  if (options.resolveAtEnd === true) result.alerts.push(...engine.tick(Number.MAX_SAFE_INTEGER));
  return result;
}
