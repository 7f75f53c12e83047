import type { EnvVarSpec } from '../../platform/index.js';
import { envString } from '../../platform/index.js';
import { DEFAULT_RULES_PATH, loadRules, type DetectorRules } from './detector-rules.js';

export const RULES_ENV: EnvVarSpec = {
  name: 'MCPTAP_DETECTOR_RULES',
  default: DEFAULT_RULES_PATH,
  description:
    'detector rule file (YAML: thresholds, patterns, allow-lists); reloaded on SIGHUP and on change',
};

/** The path of the rule file: `--rules`, else MCPTAP_DETECTOR_RULES, else the shipped defaults. */
export function rulesPath(
  explicitPath?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  return explicitPath ?? (envString(env, RULES_ENV) || DEFAULT_RULES_PATH);
}

export function rulesFromEnv(
  explicitPath?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): DetectorRules {
  return loadRules(rulesPath(explicitPath, env));
}
