import { createWriteStream } from 'node:fs';
import type { TranscriptLine } from '../../extract/index.js';

/** Lines beyond this many buffered bytes are dropped (a stuck disk must not grow the proxy). */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface TranscriptRecorder {
  write(line: TranscriptLine): void;
  /** Lines dropped because the file could not keep up or failed. */
  dropped(): number;
  close(): Promise<void>;
}

/** Appends transcript lines (JSONL) to a file, asynchronously. */
export function createTranscriptRecorder(path: string): TranscriptRecorder {
  const stream = createWriteStream(path, { flags: 'a' });
  let failed = false;
  let dropped = 0;
  stream.on('error', () => {
    failed = true;
  });
  return {
    write(line) {
      if (failed || stream.writableLength > MAX_BUFFERED_BYTES) {
        dropped++;
        return;
      }
      stream.write(JSON.stringify(line) + '\n');
    },
    dropped: () => dropped,
    close: () => new Promise((resolve) => (failed ? resolve() : stream.end(resolve))),
  };
}
