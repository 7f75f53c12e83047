import type { DetectorRules } from '../config/detector-rules.js';
import { nameTokens } from './tool-capabilities.js';

export type Lookalike = 'exact' | 'affix' | 'edit';

export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * How `candidate` imitates `original`: the same name, the same name plus a lure word
 * (`send_email_fast`, `secure_add`), or a near spelling (`send_emial`). Null when unrelated.
 */
export function lookalike(
  original: string,
  candidate: string,
  rules: DetectorRules,
  allowEdits: boolean,
): Lookalike | null {
  const a = nameTokens(original);
  const b = nameTokens(candidate);
  const joinedA = a.join('_');
  const joinedB = b.join('_');
  if (joinedA === '' || joinedB === '') return null;
  if (joinedA === joinedB) return 'exact';
  const affixes = new Set(rules.shadowing.affixes);
  if (b.length > a.length) {
    const extra = b.length - a.length;
    const asSuffix =
      b.slice(0, a.length).join('_') === joinedA && b.slice(a.length).every((t) => affixes.has(t));
    const asPrefix = b.slice(extra).join('_') === joinedA && b.slice(0, extra).every((t) => affixes.has(t));
    if (asSuffix || asPrefix) return 'affix';
  }
  if (
    allowEdits &&
    Math.min(joinedA.length, joinedB.length) >= rules.shadowing.min_name_length &&
    editDistance(joinedA, joinedB, rules.shadowing.max_edit_distance) <= rules.shadowing.max_edit_distance
  ) {
    return 'edit';
  }
  return null;
}

/**
 * A name made of an outbound action and lure words only at its ends (`send_email_fast`,
 * `official_post_message`, `transfer_funds_v2`): it competes by name for the model's choice of the
 * real tool, whichever server lists that. A lure word inside the name (`send_secure_message`)
 * describes the tool and does not count.
 */
export function lureName(name: string, rules: DetectorRules): { action: string; lure: string } | null {
  const tokens = nameTokens(name);
  const affixes = new Set(rules.shadowing.affixes);
  let from = 0;
  while (from < tokens.length && affixes.has(tokens[from] ?? '')) from++;
  let to = tokens.length;
  while (to > from && affixes.has(tokens[to - 1] ?? '')) to--;
  const lures = [...tokens.slice(0, from), ...tokens.slice(to)];
  const core = tokens.slice(from, to);
  const action = core.find((t) => rules.shadowing.lure_actions.includes(t));
  if (lures.length === 0 || action === undefined) return null;
  return { action, lure: lures.join(' ') };
}
