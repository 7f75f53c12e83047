/**
 * The server image's HEALTHCHECK: GET /healthz of the role this container runs (read from PID 1's
 * command line, `node dist/cli/mcptap.js ROLE`) at the address that role listens on, from the same
 * variable the role reads. Exit 0 on 200; 1 otherwise. A role without an endpoint (migrate, one-shot
 * commands) counts as healthy: Docker then judges it by its exit code alone.
 */
import { readFileSync } from 'node:fs';

/** Each long-running role's listen variable and its default (a test holds them to the env tables). */
export const HEALTH_ENDPOINTS: Readonly<Record<string, { variable: string; fallback: string }>> = {
  collector: { variable: 'MCPTAP_COLLECTOR_LISTEN', fallback: '127.0.0.1:4318' },
  detectors: { variable: 'MCPTAP_DETECTORS_METRICS_LISTEN', fallback: '127.0.0.1:9466' },
  sink: { variable: 'MCPTAP_SINK_METRICS_LISTEN', fallback: '127.0.0.1:9465' },
};

/** The URL to probe for a role and environment, or undefined when the role has none. */
export function healthUrl(role: string, env: NodeJS.ProcessEnv): string | undefined {
  const endpoint = HEALTH_ENDPOINTS[role];
  if (endpoint === undefined) return undefined;
  const listen = env[endpoint.variable] || endpoint.fallback;
  if (listen === 'off') return undefined;
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^(0\.0\.0\.0|\[::\]|::)?$/, '127.0.0.1');
  return `http://${host}:${listen.slice(colon + 1)}/healthz`;
}

function containerRole(): string {
  const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
  const cli = argv.findIndex((arg) => arg.endsWith('mcptap.js'));
  return argv[cli + 1] ?? '';
}

if (process.argv[1]?.endsWith('healthcheck.js')) {
  const url = healthUrl(process.argv[2] ?? containerRole(), process.env);
  if (url !== undefined) {
    const answer = await fetch(url, { signal: AbortSignal.timeout(4000) }).catch((error: Error) => error);
    if (answer instanceof Error || answer.status !== 200) {
      console.error(`healthcheck: ${url}: ${answer instanceof Error ? answer.message : answer.status}`);
      process.exit(1);
    }
  }
}
