import { join } from 'node:path';
import { openLocalStore, startLocal } from '../local/index.js';
import { sessionTimeline, userActivity } from '../storage/index.js';
import { createLogger } from '../platform/index.js';
import { MAX_PROBLEM_LINES, type DemoStack, type ObservedAlert } from './demo-stack.js';
import type { StackContext } from './run-demo.js';
import { auditVerifyCommand, tamper } from './tamper.js';

/**
 * The embedded stack: `mcptap local` in this process (OTLP endpoint, in-process stream, every
 * detector, embedded ClickHouse), alerts as they fire. Data in the run's own directory.
 */
export async function startEmbeddedStack(context: StackContext): Promise<DemoStack> {
  const dataDir = join(context.workDir, 'local');
  const tenant = `demo-${context.runId}`;
  const alerts: ObservedAlert[] = [];
  const warnings: string[] = [];
  context.progress('local', `starting mcptap local (embedded ClickHouse) in ${dataDir}`);
  const local = await startLocal({
    dataDir,
    listen: '127.0.0.1:0',
    rulesPath: context.rulesPath,
    tenant,
    logger: createLogger('local', { write: (line) => warnings.push(line.trimEnd()), level: 'warn' }),
    onAlert: (alert) => {
      if (alert.status !== 'firing') return;
      alerts.push({
        rule: alert.rule,
        severity: alert.severity,
        session: alert.session_id,
        server: alert.server_name,
        tool: alert.tool,
        fingerprint: alert.fingerprint,
        user: alert.user_id,
        team: alert.team,
        summary: alert.summary,
        eventTimeMs: Date.parse(alert.time),
        receivedMs: Date.now(),
      });
    },
  });
  context.progress('ready', `OTLP/HTTP on ${local.url}`);
  return {
    kind: 'embedded',
    collectorUrl: local.url,
    apiKey: local.apiKey,
    tenant,
    observedAlerts: async () => [...alerts],
    timeline: (sessionId) => sessionTimeline(local.store, { tenant, sessionId }),
    users: () => userActivity(local.store, { tenant }),
    async tamperAndVerify(tampering) {
      // Closing seals every stored row (the open segment too) and frees the data directory.
      await local.close();
      const startedMs = Date.now();
      const opened = await openLocalStore(dataDir, 'the demo (tampering)');
      if (opened === undefined) throw new Error(`no mcptap local store in ${dataDir}`);
      try {
        await tamper(opened.store, tampering);
      } finally {
        await opened.close();
      }
      return auditVerifyCommand(
        ['--data', dataDir, '--tenant', tenant],
        { MCPTAP_CLICKHOUSE_URL: '' },
        startedMs,
      );
    },
    sessionCommand: (sessionId) => `node bin/mcptap.js session ${sessionId} --data ${dataDir}`,
    hints: [
      `Store: embedded ClickHouse in ${dataDir} (mcptap alerts --data ${dataDir}; mcptap session … --data ${dataDir})`,
      'Grafana: run the full stack (mcptap demo --stack full) and provision deploy/grafana (see dashboards/README.md)',
    ],
    problems: async () => warnings.slice(-MAX_PROBLEM_LINES),
    stop: () => local.close(),
  };
}
