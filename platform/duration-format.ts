/**
 * Durations as people read them: measured times come with sub-microsecond noise
 * (`23.18798828125`), of which a reader wants two or three significant digits.
 */

/** Milliseconds rounded to what is worth printing: 0.42, 23.2, 231. */
export function roundMs(ms: number): number {
  if (!Number.isFinite(ms) || Number.isInteger(ms)) return ms;
  const abs = Math.abs(ms);
  if (abs >= 100) return Math.round(ms);
  if (abs >= 1) return Math.round(ms * 10) / 10;
  return Math.round(ms * 100) / 100;
}

/** `0.42 ms`, `23.2 ms`, `231 ms`, `12.3 s`, `4 min 05 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} ms`;
  if (Math.abs(ms) < 10_000) return `${roundMs(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}
