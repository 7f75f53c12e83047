import { createWriteStream, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatTranscriptLine, type TranscriptLine } from '../../extract/index.js';
import { ConfigError } from '../../platform/env-config.js';
import { maskSecretsInText, maskStrings } from '../../secrets/index.js';
import { errorMessage } from '../../model/index.js';

/** Lines beyond this many buffered bytes are dropped (a stuck disk must not grow the proxy). */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface TranscriptRecorder {
  write(line: TranscriptLine): void;
  /** Lines dropped because the file could not keep up or failed. */
  dropped(): number;
  close(): Promise<void>;
}

export interface TranscriptRecorderOptions {
  /** Write secrets as they crossed the wire (`--record-unmasked`); by default each is masked. */
  unmasked?: boolean;
}

/**
 * Opens `path` for appending, private to its owner whether or not it existed (0600; a directory
 * created for it 0700): a transcript holds whatever crossed the wire.
 */
function openPrivate(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'a', 0o600);
    fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    throw new ConfigError(`--record ${path}: cannot open it for appending (${errorMessage(error)})`);
  }
}

/**
 * Appends transcript lines (JSONL) to a file, asynchronously, every string masked (`[SECRET:<type>:
 * <fingerprint>]`, which replay's detectors read as the secret) unless `unmasked`.
 */
export function createTranscriptRecorder(
  path: string,
  options: TranscriptRecorderOptions = {},
): TranscriptRecorder {
  const stream = createWriteStream(path, { fd: openPrivate(path) });
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
      const recorded = options.unmasked ? line : maskStrings(line, maskSecretsInText);
      stream.write(formatTranscriptLine(recorded) + '\n');
    },
    dropped: () => dropped,
    close: () => new Promise((resolve) => (failed ? resolve() : stream.end(resolve))),
  };
}
