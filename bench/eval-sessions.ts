/**
 * Evaluates the session detectors on labelled session corpora: every transcript replayed through
 * the engine (`replayTranscript`), recall per threat class on attack sessions and false positives
 * on benign ones, at medium severity and above, reported apart for the `tune` and `holdout` splits
 * (`eval-split.ts`), plus the CPU cost per event of extraction and detection.
 *
 * - A benign session is a false positive when any medium+ alert fires.
 * - An attack session is caught when a medium+ alert of one of its expected classes fires.
 *
 * Usage: node --import tsx bench/eval-sessions.ts [--verbose]
 * (MCPTAP_EVAL_INJECAGENT overrides where the InjecAgent-derived corpus is read from.)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAtLeast, type Alert } from '../model/index.js';
import { defaultRules, replayTranscript, type DetectorRules } from '../detectors/index.js';
import { evalSplit, type EvalSplit } from './eval-split.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The alert rules that count as detecting each threat class a corpus labels. */
const CLASS_RULES: Record<string, readonly string[]> = {
  'T02-injection': ['injected_result', 'injected_result_followup', 'result_steered_action'],
  'T05-exfil': ['exfil_chain', 'secret_egress', 'result_steered_action'],
  'secret-egress': ['secret_egress'],
};

export interface SessionCase {
  /** Path relative to the corpus root: what the split is computed from. */
  file: string;
  attack: boolean;
  /** Threat classes; each is caught when a medium+ alert of one of `rulesOf(class)` fires. */
  classes: string[];
  rulesOf(cls: string): readonly string[];
}

export interface SessionCorpus {
  name: string;
  root: string;
  cases: SessionCase[];
}

/** Our own transcripts (`test/corpus/labels.json`): `expect` names rules, `threat` the class. */
export function ownCorpus(): SessionCorpus {
  const root = join(here, '..', 'test', 'corpus');
  const labels = JSON.parse(readFileSync(join(root, 'labels.json'), 'utf8')) as Record<
    string,
    { threat: string; expect: string[] }
  >;
  const cases = Object.entries(labels)
    .filter(([file]) => file.startsWith('transcripts/'))
    .map(([file, label]) => ({
      file,
      attack: label.expect.length > 0,
      classes: label.expect.length > 0 ? [label.threat] : [],
      rulesOf: () => label.expect,
    }));
  return { name: 'ours', root, cases };
}

/** Sessions built from the public InjecAgent benchmark (read in place, never copied). */
export function injecagentCorpus(): SessionCorpus {
  const root =
    process.env.MCPTAP_EVAL_INJECAGENT ??
    join(here, '..', '..', 'shared', 'corpora', 'injecagent', 'transcripts');
  const labels = JSON.parse(readFileSync(join(root, 'labels.json'), 'utf8')) as Record<
    string,
    { kind: string; expect: string[] }
  >;
  const cases = Object.entries(labels).map(([file, label]) => ({
    file,
    attack: label.kind === 'attack',
    classes: label.expect,
    rulesOf: (cls: string) => CLASS_RULES[cls] ?? [cls],
  }));
  return { name: 'injecagent', root, cases };
}

export interface Tally {
  attacks: number;
  caught: number;
  benign: number;
  falsePositives: number;
  /** Per threat class: sessions labelled with it, and those where it was raised. */
  byClass: Record<string, { cases: number; caught: number }>;
  missed: string[];
  noisy: string[];
}

export interface CorpusResult {
  corpus: string;
  splits: Record<EvalSplit, Tally>;
  events: number;
  /** CPU µs per event of extraction plus every detector (replay). */
  microsPerEvent: number;
}

function emptyTally(): Tally {
  return { attacks: 0, caught: 0, benign: 0, falsePositives: 0, byClass: {}, missed: [], noisy: [] };
}

function loud(alerts: Alert[]): Alert[] {
  return alerts.filter((a) => a.status === 'firing' && isAtLeast(a.severity, 'medium'));
}

export function evaluateCorpus(corpus: SessionCorpus, rules: DetectorRules = defaultRules()): CorpusResult {
  const splits: Record<EvalSplit, Tally> = { tune: emptyTally(), holdout: emptyTally() };
  let events = 0;
  // CPU time, not wall time: the figure stays comparable on a machine shared with other work.
  let cpuMicros = 0;
  for (const c of corpus.cases) {
    const text = readFileSync(join(corpus.root, c.file), 'utf8');
    const started = process.cpuUsage();
    const result = replayTranscript(text, { rules, tenant: 'eval', hostId: 'eval' });
    const used = process.cpuUsage(started);
    cpuMicros += used.user + used.system;
    events += result.events.length;
    const fired = new Set(loud(result.alerts).map((a) => a.rule));
    const tally = splits[evalSplit(c.file)];
    if (!c.attack) {
      tally.benign++;
      if (fired.size > 0) {
        tally.falsePositives++;
        tally.noisy.push(`${c.file} [${[...fired].join(', ')}]`);
      }
      continue;
    }
    tally.attacks++;
    let any = false;
    for (const cls of c.classes) {
      const stat = (tally.byClass[cls] ??= { cases: 0, caught: 0 });
      stat.cases++;
      if (c.rulesOf(cls).some((rule) => fired.has(rule))) {
        stat.caught++;
        any = true;
      }
    }
    if (any) tally.caught++;
    else tally.missed.push(c.file);
  }
  return {
    corpus: corpus.name,
    splits,
    events,
    microsPerEvent: events === 0 ? 0 : cpuMicros / events,
  };
}

/** Every session corpus, evaluated with the given rules (the shipped ones by default). */
export function evaluateSessions(rules: DetectorRules = defaultRules()): CorpusResult[] {
  return [ownCorpus(), injecagentCorpus()].map((corpus) => evaluateCorpus(corpus, rules));
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

export function formatSessionResults(results: CorpusResult[], verbose = false): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.corpus}: ${r.events} events, ${r.microsPerEvent.toFixed(1)} µs CPU per event (extraction and every detector)`,
    );
    for (const split of ['tune', 'holdout'] as const) {
      const t = r.splits[split];
      lines.push(
        `  ${split.padEnd(8)} recall ${t.caught}/${t.attacks} (${percent(t.caught, t.attacks)})  false positives ${t.falsePositives}/${t.benign} (${percent(t.falsePositives, t.benign)})`,
      );
      for (const [cls, s] of Object.entries(t.byClass).sort())
        lines.push(`    ${cls.padEnd(22)} ${s.caught}/${s.cases} (${percent(s.caught, s.cases)})`);
      if (verbose && split === 'tune') {
        for (const file of t.missed) lines.push(`    missed ${file}`);
        for (const file of t.noisy) lines.push(`    noisy  ${file}`);
      }
    }
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatSessionResults(evaluateSessions(), process.argv.includes('--verbose')));
}
