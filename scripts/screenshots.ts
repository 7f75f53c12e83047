/**
 * PNG screenshots of every console view after a demo run, for the README:
 *
 *   node --import tsx scripts/screenshots.ts [--data DIR]   → docs/screenshots/*.png
 *
 * Without --data it runs `mcptap demo` (embedded) first and uses the store it leaves; with it, the
 * store of that `mcptap local` data directory (not running). Chromium is installed when missing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { auditSettingsFromEnv, localVerifySources } from '../audit/index.js';
import { startConsoleServer, type ConsoleServer } from '../console/index.js';
import { openLocalStore } from '../local/index.js';
import { silentLogger } from '../platform/index.js';
import { recentAlerts, recentSessions, serversFirstSeen, type Store } from '../storage/index.js';
import { ensureChromium, HeadlessChromium } from './headless-chromium.js';
import { errorMessage } from '../model/index.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO_DIR = join(REPO_ROOT, '.mcptap', 'demo');
const OUT_DIR = join(REPO_ROOT, 'docs', 'screenshots');

/** Runs the embedded demo and returns the data directory of the store it left. */
export async function runDemoStore(): Promise<string> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'mcptap.js'), 'demo', '--json'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`mcptap demo failed (exit ${code}): ${stdout.slice(-2000)}`);
  // The summary names the run; other demos may be running beside this one in DEMO_DIR.
  const { run_id: runId } = JSON.parse(stdout) as { run_id?: string };
  if (runId === undefined) throw new Error(`mcptap demo --json named no run: ${stdout.slice(-2000)}`);
  return join(DEMO_DIR, runId, 'local');
}

/** A console on a stopped `mcptap local`'s data directory, on a free loopback port. */
export async function consoleOnDataDir(
  dataDir: string,
): Promise<{ store: Store; console: ConsoleServer; close(): Promise<void> }> {
  const opened = await openLocalStore(dataDir, 'console screenshots');
  if (opened === undefined) throw new Error(`no store in ${dataDir}`);
  const server = await startConsoleServer({
    listen: { host: '127.0.0.1', port: 0 },
    store: opened.store,
    logger: silentLogger,
    audit: () => localVerifySources(auditSettingsFromEnv(), dataDir),
  });
  return {
    store: opened.store,
    console: server,
    close: async () => {
      await server.close();
      await opened.close();
    },
  };
}

/** The demo's most telling page of each view: the exfiltration session, its alert, the rug-pulled server. */
export async function demoViews(store: Store): Promise<Record<string, string>> {
  const [sessions, alerts, servers] = await Promise.all([
    recentSessions(store, { limit: 100 }),
    recentAlerts(store, { rule: 'exfil_chain', limit: 10 }),
    serversFirstSeen(store),
  ]);
  const exfil = sessions.find(
    (s) => s.rules.includes('exfil_chain') && s.rules.includes('catalog_lint.pseudo_tag'),
  );
  const alert = alerts.find((a) => a.session_id === exfil?.session_id) ?? alerts[0];
  const rugPulled = servers.find((s) => s.server_name === 'weather');
  if (exfil === undefined || alert === undefined || rugPulled === undefined) {
    throw new Error('the store lacks the demo’s exfiltration session, its alert or the rug-pulled server');
  }
  return {
    sessions: '#/sessions',
    session: `#/sessions/${encodeURIComponent(exfil.session_id)}`,
    alerts: '#/alerts',
    alert: `#/alerts/${encodeURIComponent(alert.fingerprint)}`,
    servers: '#/servers',
    server: `#/servers/${encodeURIComponent(rugPulled.server_id)}`,
    destinations: '#/destinations',
    audit: '#/audit',
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' } } });
  ensureChromium();
  const dataDir = values.data ?? (await runDemoStore());
  const target = await consoleOnDataDir(dataDir);
  const browser = await HeadlessChromium.launch();
  try {
    mkdirSync(OUT_DIR, { recursive: true });
    const page = await browser.newPage(1360, 860);
    for (const [name, route] of Object.entries(await demoViews(target.store))) {
      await page.open(`${target.console.url}/${route}`);
      const file = join(OUT_DIR, `${name}.png`);
      // A session's timeline is the long one; the rest are cut where a README reader stops.
      await page.screenshot(file, name === 'session' ? 2400 : 1400);
      console.log(`${file}  ← ${route}`);
    }
  } finally {
    await browser.close();
    await target.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`screenshots: ${errorMessage(error)}`);
    process.exitCode = 1;
  });
}
