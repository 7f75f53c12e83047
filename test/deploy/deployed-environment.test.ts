// The deployment, run here: the server image's build steps (`npm run build`, production packages
// without chdb), then migrate, sink, collector and detectors started from the compiled JavaScript with
// exactly the environment deploy/compose/compose.yaml (+ its env files) gives them — which
// deploy-files.test.ts holds equal to the rendered Kubernetes manifests' — the in-cluster addresses
// mapped to the local Kafka, ClickHouse 18.16 and Alertmanager. The demo's traffic goes through it;
// its alerts must reach Alertmanager and every event must be stored.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startChildService, waitUntil, type ChildService } from '../../demo/child-service.js';
import type { DemoStack } from '../../demo/demo-stack.js';
import { observedAlerts, serviceProblems } from '../../demo/full-stack.js';
import { runDemo } from '../../demo/run-demo.js';
import { SCENARIOS } from '../../demo/scenarios.js';
import { HEALTH_ENDPOINTS } from '../../deploy/healthcheck.js';
import { openStore, sessionTimeline, userActivity, type Store } from '../../storage/index.js';
import { ensureInfra, infraEndpoints, uniqueName } from '../support/infra.js';
import {
  composeEnvironments,
  composeProject,
  deployTools,
  deployWithSecrets,
  REPO_ROOT,
  runTool,
  type DeployCopy,
  type ServiceEnv,
} from './deploy-support.js';

const run = promisify(execFile);
const infra = infraEndpoints();
const runName = uniqueName('deploy');
const tenant = runName.replaceAll('_', '-');

/** The servers the deploy files name, and the local ones that stand in for them. */
const LOCAL_ADDRESSES: Record<string, string> = {
  'kafka:9092': infra.kafkaBrokers.join(','),
  'http://clickhouse:8123': infra.clickhouseUrl,
  'http://alertmanager:9093': infra.alertmanagerUrl,
};

let deployment: DeployCopy & { apiKey: string };
let imageDir: string;
let workDir: string;

/** The runtime stage of deploy/Dockerfile, on this machine: dist/, package.json, production packages less chdb. */
async function assembleImage(): Promise<string> {
  await run('bash', [join(REPO_ROOT, 'scripts', 'build.sh')], { timeout: 10 * 60_000, cwd: REPO_ROOT });
  const dir = join(workDir, 'opt-mcptap');
  await cp(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  await cp(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout: string }) => ({ stdout: error.stdout })); // npm ls exits 1 on extraneous packages
  const modules = join(REPO_ROOT, 'node_modules');
  const topLevel = stdout
    .split('\n')
    .map((path) => relative(modules, path))
    .filter((name) => name !== '' && !name.startsWith('..') && !name.includes('node_modules'));
  assert.ok(topLevel.includes('@clickhouse/client') && topLevel.includes('chdb'), 'npm lists the packages');
  for (const name of topLevel) {
    if (name === 'chdb' || name.startsWith('@chdb/')) continue;
    const link = join(dir, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(modules, name), link);
  }
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A service's deployed environment on this machine: the in-cluster addresses replaced by the local
 * servers', listen addresses moved to free loopback ports; a topic prefix, consumer groups and
 * database of this run's own (the servers are shared); the local ClickHouse's account for the one the compose file's
 * ClickHouse container creates; and the demo's rules. Nothing else is changed or added.
 */
async function localEnvironment(env: ServiceEnv, rulesPath: string): Promise<ServiceEnv> {
  const local: ServiceEnv = {};
  for (const [name, value] of Object.entries(env)) {
    let mapped = value;
    for (const [inCluster, here] of Object.entries(LOCAL_ADDRESSES))
      mapped = mapped.replaceAll(inCluster, here);
    if (/_LISTEN$/.test(name)) {
      assert.match(value, /^0\.0\.0\.0:\d+$/, `${name} listens on every interface`);
      mapped = `127.0.0.1:${await freePort()}`;
    }
    assert.doesNotMatch(
      mapped,
      /\b(kafka|clickhouse|alertmanager|grafana):\d/,
      `${name}: an address this test maps`,
    );
    local[name] = mapped;
  }
  assert.equal(env.MCPTAP_CLICKHOUSE_USER, 'mcptap');
  Object.assign(local, {
    MCPTAP_TOPIC_PREFIX: runName,
    MCPTAP_SINK_GROUP_ID: `${runName}-sink`,
    MCPTAP_DETECTORS_GROUP: `${runName}-detectors`,
    MCPTAP_CLICKHOUSE_DATABASE: runName,
    MCPTAP_CLICKHOUSE_USER: 'default',
    MCPTAP_CLICKHOUSE_PASSWORD: '',
    MCPTAP_DETECTOR_RULES: rulesPath,
  });
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workDir, ...local };
}

before(async () => {
  await ensureInfra();
  workDir = await mkdtemp(join(tmpdir(), 'mcptap-deployed-'));
  deployment = await deployWithSecrets(tenant);
  imageDir = await assembleImage();
});

after(async () => {
  await deployment?.remove();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

test('the compiled CLI runs without tsx, and the image holds no chdb', async () => {
  const cli = join(imageDir, 'dist', 'cli', 'mcptap.js');
  const help = await runTool(process.execPath, [cli, '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /collector[\s\S]*detectors[\s\S]*sink[\s\S]*migrate/);
  const chdb = await runTool(process.execPath, [
    '--input-type=module',
    '-e',
    `import(${JSON.stringify(join(imageDir, 'dist', 'storage', 'index.js'))}).then(async (storage) => { await storage.openEmbeddedStore(${JSON.stringify(join(workDir, 'chdb'))}, "mcptap"); })`,
  ]);
  assert.notEqual(chdb.code, 0, 'the embedded engine cannot be loaded from the image');
  assert.match(chdb.stderr, /Cannot find (package|module) 'chdb/);
});

test("the deployment's environment, run from the compiled image, detects the demo's threats at Alertmanager and stores every event", async () => {
  const tools = await deployTools();
  const environments = composeEnvironments(await composeProject(tools, deployment.deploy));
  const entry = join(imageDir, 'dist', 'cli', 'mcptap.js');
  let logDir = '';
  const services: ChildService[] = [];
  let store: Store | undefined;

  const stopServices = async () => {
    for (const service of [...services].reverse()) await service.stop();
  };
  const result = await runDemo({
    stack: 'full',
    keep: false,
    // Every scenario but tampering: the deploy files give the sink no audit key to seal with.
    only: SCENARIOS.map((scenario) => scenario.name),
    settleTimeoutMs: 60_000,
    progress: () => undefined,
    onAlert: () => undefined,
    // Logs stay in the demo's work folder (.mcptap/demo/RUN/logs) for a run that failed.
    async startStack({ rulesPath, workDir: demoDir }): Promise<DemoStack> {
      logDir = join(demoDir, 'logs');
      await mkdir(logDir, { recursive: true });
      const envs = new Map<string, ServiceEnv>();
      const env = async (service: keyof typeof environments) => {
        const known = envs.get(service) ?? (await localEnvironment(environments[service], rulesPath));
        envs.set(service, known);
        return known;
      };
      const start = async (service: 'migrate' | 'sink' | 'collector' | 'detectors') => {
        const child = startChildService(service, await env(service), join(logDir, `${service}.log`), {
          entry,
          inheritEnvironment: false,
        });
        services.push(child);
        return child;
      };
      const migrate = await start('migrate');
      const migrated = await new Promise<number | null>((resolve) => migrate.process.once('exit', resolve));
      assert.equal(migrated, 0, `mcptap migrate exits 0 (${migrate.logPath})`);

      const roles = ['sink', 'collector', 'detectors'] as const;
      const started = await Promise.all(roles.map(async (role) => [role, await start(role)] as const));
      for (const [role, child] of started) {
        const listen = (await env(role))[HEALTH_ENDPOINTS[role]?.variable ?? ''];
        await waitUntil(`${role} to be ready`, async () => (await fetch(`http://${listen}/readyz`)).ok, {
          timeoutMs: 90_000,
          service: child,
        });
      }
      store = await openStore({
        url: infra.clickhouseUrl,
        username: 'default',
        password: '',
        database: runName,
      });
      const collectorListen = (await env('collector')).MCPTAP_COLLECTOR_LISTEN;
      const startedMs = Date.now();
      return {
        kind: 'full',
        collectorUrl: `http://${collectorListen}`,
        apiKey: deployment.apiKey,
        tenant,
        observedAlerts: () => observedAlerts(infra.webhookRecorderUrl, tenant, startedMs),
        timeline: (sessionId) => sessionTimeline(store as Store, { tenant, sessionId }),
        users: () => userActivity(store as Store, { tenant }),
        tamperAndVerify: () => Promise.reject(new Error('tampering is not played against the deploy files')),
        sessionCommand: () => '',
        hints: [],
        problems: () => serviceProblems(services),
        stop: stopServices,
      };
    },
  }).finally(stopServices); // also when the stack did not come up

  try {
    const context = `\n${result.problems.join('\n')}\nlogs: ${logDir}`;
    for (const scenario of result.scenarios) {
      assert.ok(
        scenario.detected,
        `${scenario.name}: ${scenario.missing.join(', ')} reached Alertmanager${context}`,
      );
      assert.ok(scenario.timeline_matches, `${scenario.name}: ${scenario.timeline_problem}${context}`);
    }
    assert.ok(result.scenarios.length >= 8, 'every scenario was played');
    assert.equal(result.unexpected_alerts, 0, `nothing else fired${context}`);
    assert.ok(result.events_emitted > 100);
    assert.equal(result.events_stored, result.events_emitted, `every event stored${context}`);
    assert.equal(result.ok, true);
  } finally {
    await store?.client.command({ query: `DROP DATABASE IF EXISTS ${runName}` });
    await store?.client.close();
  }
});

test("the image's health check answers for a role started from the compiled image", async () => {
  const tools = await deployTools();
  const environment = composeEnvironments(await composeProject(tools, deployment.deploy)).detectors;
  const env = await localEnvironment(environment, join(REPO_ROOT, 'detectors', 'default-rules.yaml'));
  const entry = join(imageDir, 'dist', 'cli', 'mcptap.js');
  const detectors = startChildService('detectors', env, join(workDir, 'health-detectors.log'), {
    entry,
    inheritEnvironment: false,
  });
  const healthcheck = join(imageDir, 'dist', 'deploy', 'healthcheck.js');
  try {
    await waitUntil(
      'the health check to pass',
      async () =>
        (await runTool('env', ['-i', ...envArgs(env), process.execPath, healthcheck, 'detectors'])).code ===
        0,
      { timeoutMs: 90_000, service: detectors },
    );
  } finally {
    await detectors.stop();
  }
  const down = await runTool('env', ['-i', ...envArgs(env), process.execPath, healthcheck, 'detectors']);
  assert.equal(down.code, 1, 'fails once the role is gone');
  assert.match(down.stderr, /healthcheck: http:\/\/127\.0\.0\.1:\d+\/healthz/);
  const migrate = await runTool('env', ['-i', ...envArgs(env), process.execPath, healthcheck, 'migrate']);
  assert.equal(migrate.code, 0, 'a role without an endpoint counts as healthy');
});

function envArgs(env: ServiceEnv): string[] {
  return Object.entries(env).map(([name, value]) => `${name}=${value}`);
}
