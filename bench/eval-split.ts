import { createHash } from 'node:crypto';

/**
 * The evaluation split, fixed on 2026-12-06 before any detector was tuned on these corpora: a
 * case (catalog file or session transcript) is `tune` when the first byte of the SHA-256 of its path
 * relative to its corpus root (forward slashes, e.g. `attack/foo.json`) is below 0xB0 — about 69 %
 * of cases — and `holdout` otherwise. Nobody reads holdout cases to write or adjust a rule; the
 * evaluation reports the two apart.
 */
export type EvalSplit = 'tune' | 'holdout';

const HOLDOUT_FROM = 0xb0;

export function evalSplit(relativePath: string): EvalSplit {
  const firstByte = createHash('sha256').update(relativePath.replaceAll('\\', '/'), 'utf8').digest()[0]!;
  return firstByte < HOLDOUT_FROM ? 'tune' : 'holdout';
}
