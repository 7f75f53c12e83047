import type { ExportFailure } from './delivery-reporting-exporter.js';

/** Where the proxy sends: `mcptap local` found through a data directory, or a configured collector. */
export type ExportTarget = { url: string } & ({ local: true; dataDir: string } | { local: false });

/**
 * The one line a proxy writes on stderr (hosts show it in their server logs) when its telemetry
 * cannot be delivered: what failed and what to set where. Never the key itself.
 */
export function exportFailureAdvice(server: string, target: ExportTarget, failure: ExportFailure): string {
  const head = `mcptap proxy (${server}): telemetry is being dropped:`;
  const refused = failure.status === 401 || failure.status === 403;
  const why = failure.status !== undefined ? `HTTP ${failure.status}` : (failure.code ?? failure.message);
  if (target.local) {
    const env =
      `set MCPTAP_DATA_DIR to the data directory \`mcptap local\` printed at start, in this server's "env" ` +
      `in the host's MCP config (hosts start servers with a minimal environment)`;
    if (refused)
      return (
        `${head} the mcptap local at ${target.url} refused the key of ${target.dataDir} (${why}); ` +
        `it runs on another data directory: ${env}.`
      );
    return (
      `${head} no mcptap local answers at ${target.url} (${why}; looked in ${target.dataDir}). ` +
      `Start \`mcptap local\`; if it runs already, ${env}.`
    );
  }
  if (refused)
    return `${head} the collector at ${target.url} refused the API key (${why}): set MCPTAP_API_KEY to a key it knows.`;
  return (
    `${head} the collector at ${target.url} cannot be reached or refused the spans (${why}): ` +
    `check --collector or MCPTAP_COLLECTOR_URL.`
  );
}
