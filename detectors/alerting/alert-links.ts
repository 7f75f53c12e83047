import type { EnvVarSpec } from '../../platform/index.js';

/** Where an alert leads an operator: the console's view of its session, and its rule's runbook. */
export interface AlertLinks {
  /** Base URL of the forensic console; empty: alerts carry no link to it. */
  consoleUrl: string;
  /** URL (or repository path) of RUNBOOKS.md; each rule is a section anchored by its name. */
  runbookUrl: string;
}

export const RUNBOOKS_PATH = 'detectors/RUNBOOKS.md';

export const ALERT_LINK_ENV = {
  consoleUrl: {
    name: 'MCPTAP_CONSOLE_URL',
    default: '',
    description:
      "base URL of the forensic console; an alert's generatorURL is <base>/#/sessions/<session id> (empty: no link; `mcptap local` defaults to its own console)",
  },
  runbookUrl: {
    name: 'MCPTAP_RUNBOOK_URL',
    default: RUNBOOKS_PATH,
    description:
      "where RUNBOOKS.md is read, e.g. its URL in your repository host or wiki; an alert's runbook_url is <it>#<rule>",
  },
} as const satisfies Record<string, EnvVarSpec>;

type Env = Readonly<Record<string, string | undefined>>;

/** The links from the environment; `consoleDefault` applies when MCPTAP_CONSOLE_URL is unset. */
export function alertLinksFromEnv(env: Env, consoleDefault = ''): AlertLinks {
  const consoleUrl = env[ALERT_LINK_ENV.consoleUrl.name];
  return {
    consoleUrl: (consoleUrl ?? consoleDefault).trim(),
    runbookUrl: (env[ALERT_LINK_ENV.runbookUrl.name] || RUNBOOKS_PATH).trim(),
  };
}

/** The console's view of a session, or '' without a console. */
export function consoleSessionUrl(links: AlertLinks, sessionId: string): string {
  if (links.consoleUrl === '' || sessionId === '') return '';
  return `${links.consoleUrl.replace(/\/+$/, '')}/#/sessions/${encodeURIComponent(sessionId)}`;
}

/** The runbook section of a rule: `catalog_lint.pseudo_tag` is in the section `catalog_lint`. */
export function runbookUrl(links: AlertLinks, rule: string): string {
  const section = rule.split('.')[0] ?? rule;
  return `${links.runbookUrl.replace(/#.*$/, '')}#${section}`;
}
