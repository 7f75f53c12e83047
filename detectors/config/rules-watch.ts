import { unwatchFile, watchFile, type StatsListener } from 'node:fs';
import type { Logger } from '../../platform/index.js';
import type { DetectorRules } from './detector-rules.js';
import { rulesFiles } from './rules-source.js';
import { errorMessage } from '../../model/index.js';

export interface RulesWatchOptions {
  /** Reads the rules again (rule file and server policy), throwing what is wrong with them. */
  load: () => DetectorRules;
  /** The rules in force now. */
  initial: DetectorRules;
  /** Receives each set of rules that loaded. */
  apply: (rules: DetectorRules) => void;
  logger: Logger;
  /** How often the files are polled for a change (ms). */
  intervalMs?: number;
}

export interface RulesWatch {
  /** Reloads now (what SIGHUP does); false when the new rules did not load and the old stay. */
  reload(why: string): boolean;
  stop(): void;
}

/**
 * Reloads the rules on SIGHUP and when the rule file or the server policy in force changes, without
 * a restart. Rules that fail to load leave the previous ones in force, and say why. The files
 * watched follow the rules: a rule file that names another policy gets that one watched.
 */
export function watchRules(options: RulesWatchOptions): RulesWatch {
  const { logger } = options;
  const interval = options.intervalMs ?? 2000;
  const watched = new Map<string, StatsListener>();
  const watch = (rules: DetectorRules) => {
    const files = new Set(rulesFiles(rules));
    for (const [path, listener] of watched) {
      if (files.has(path)) continue;
      unwatchFile(path, listener);
      watched.delete(path);
    }
    for (const path of files) {
      if (watched.has(path)) continue;
      const listener: StatsListener = (current, previous) => {
        if (current.mtimeMs !== previous.mtimeMs) reload(`${path} changed`);
      };
      watchFile(path, { interval }, listener);
      watched.set(path, listener);
    }
  };
  const reload = (why: string): boolean => {
    try {
      const rules = options.load();
      options.apply(rules);
      watch(rules);
      logger.info('detector rules reloaded', {
        why,
        rules: rules.source,
        server_policy: rules.serverPolicy?.source ?? 'none',
      });
      return true;
    } catch (error) {
      logger.error('detector rules not reloaded; the previous rules stay in force', {
        why,
        error: errorMessage(error),
      });
      return false;
    }
  };
  const onHup = () => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  watch(options.initial);
  return {
    reload,
    stop() {
      process.off('SIGHUP', onHup);
      for (const [path, listener] of watched) unwatchFile(path, listener);
      watched.clear();
    },
  };
}
