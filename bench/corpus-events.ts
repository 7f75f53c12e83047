import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultRules, replayTranscript } from '../detectors/index.js';
import type { McpEvent } from '../model/index.js';

/** The events of every transcript of the repository's own corpus (test/corpus/transcripts), in file order. */
export function corpusTranscriptEvents(): McpEvent[] {
  const transcripts = join(import.meta.dirname, '..', 'test', 'corpus', 'transcripts');
  return readdirSync(transcripts)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap(
      (f) =>
        replayTranscript(readFileSync(join(transcripts, f), 'utf8'), {
          rules: defaultRules(),
          tenant: 'bench',
          hostId: 'h',
        }).events,
    );
}
