import type { EnvVarSpec } from '../../platform/index.js';
import { envString } from '../../platform/index.js';
import { DEFAULT_RULES_PATH, loadRules, type DetectorRules } from './detector-rules.js';

export const RULES_ENV: EnvVarSpec = {
  name: 'MCPTAP_DETECTOR_RULES',
  default: DEFAULT_RULES_PATH,
  description:
    'detector rule file (YAML: thresholds, patterns, allow-lists); reloaded on SIGHUP and on change',
};

export const SERVER_POLICY_ENV: EnvVarSpec = {
  name: 'MCPTAP_SERVER_POLICY',
  default: '',
  description:
    "approved-server policy file (YAML, tenant-wide; `mcptap policy pin` writes it); wins over the rule file's `server_policy.path`; reloaded on SIGHUP and on change",
};

type Env = Readonly<Record<string, string | undefined>>;

/** The path of the rule file: `--rules`, else MCPTAP_DETECTOR_RULES, else the shipped defaults. */
export function rulesPath(explicitPath?: string, env: Env = process.env): string {
  return explicitPath ?? (envString(env, RULES_ENV) || DEFAULT_RULES_PATH);
}

/** The rule file, with the server policy of MCPTAP_SERVER_POLICY in place of the one it names. */
export function rulesFromEnv(explicitPath?: string, env: Env = process.env): DetectorRules {
  const policyPath = envString(env, SERVER_POLICY_ENV);
  return loadRules(
    rulesPath(explicitPath, env),
    policyPath === '' ? undefined : { path: policyPath, origin: SERVER_POLICY_ENV.name },
  );
}

/** The files the rules were read from: the rule file and the server policy in force. */
export function rulesFiles(rules: DetectorRules): string[] {
  return [rules.source, rules.serverPolicy?.source ?? ''].filter(
    (path) => path !== '' && path !== 'defaults+overrides',
  );
}
