// The deployment, run here: the server image's build steps (`npm run build`, production packages
// without chdb), then migrate, sink, collector and detectors started from the compiled JavaScript with
// exactly the environment deploy/compose/compose.yaml (+ its env files) gives them — which
// deploy-files.test.ts holds equal to the rendered Kubernetes manifests' — the in-cluster addresses
// mapped to the local Kafka, ClickHouse 18.16 and Alertmanager, and the files it mounts to those
// make-secrets.sh wrote. The demo's traffic goes through it; its alerts must reach Alertmanager, every
// event must be stored, and `mcptap audit verify` with the deployment's key must name the rows the
// tampering scenario changes in the store.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startChildService, waitUntil, type ChildService } from '../../demo/child-service.js';
import type { DemoStack } from '../../demo/demo-stack.js';
import { observedAlerts, serviceProblems } from '../../demo/full-stack.js';
import { runDemo, TAMPERING } from '../../demo/run-demo.js';
import { auditVerifyCommand, tamper } from '../../demo/tamper.js';
import { HEALTH_ENDPOINTS } from '../../deploy/healthcheck.js';
import { openStore, sessionTimeline, userActivity, type Store } from '../../storage/index.js';
import { ensureInfra, infraEndpoints, uniqueName } from '../support/infra.js';
import {
  composeEnvironments,
  composeProject,
  deployTools,
  type ComposeProject,
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

interface LockedPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  link?: boolean;
  optional?: boolean;
  resolved?: string;
}

/** The packages deploy/Dockerfile drops from the manifest before its production install. */
async function imageLeavesOut(): Promise<Set<string>> {
  const dockerfile = await readFile(join(REPO_ROOT, 'deploy', 'Dockerfile'), 'utf8');
  const deleted = /npm pkg delete((?: dependencies\.\S+)+)/.exec(dockerfile)?.[1] ?? '';
  return new Set(
    deleted
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((field) => field.replace('dependencies.', '')),
  );
}

/**
 * What `npm install --omit=dev` installs from package-lock.json once `leftOut` is dropped from the
 * manifest: the production dependencies (the workspace's too), each resolved as Node does (nearest
 * node_modules first), those of the left-out packages not at all. Paths as in the lockfile.
 */
function productionInstall(
  lock: { packages: Record<string, LockedPackage> },
  leftOut: Set<string>,
): Set<string> {
  const installed = new Set<string>();
  const visitDependencies = (at: string) => {
    const locked = lock.packages[at] ?? {};
    const optionalPeers = locked.peerDependenciesMeta ?? {};
    for (const name of [
      ...Object.keys(locked.dependencies ?? {}),
      ...Object.keys(locked.optionalDependencies ?? {}),
      ...Object.keys(locked.peerDependencies ?? {}).filter((peer) => !optionalPeers[peer]?.optional),
    ])
      visit(at, name);
  };
  const visit = (from: string, name: string) => {
    if (leftOut.has(name)) return;
    for (let dir = from; ;) {
      const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      const locked = lock.packages[path];
      if (locked) {
        if (installed.has(path)) return;
        installed.add(path);
        visitDependencies(locked.link ? (locked.resolved ?? path) : path);
        return;
      }
      if (dir === '') return; // an optional package of another platform
      const parent = dir.lastIndexOf('/node_modules/');
      dir = parent < 0 ? '' : dir.slice(0, parent);
    }
  };
  visitDependencies('');
  return installed;
}

/**
 * The runtime stage of deploy/Dockerfile, on this machine: dist/, package.json, and a copy of the
 * production packages less those the Dockerfile leaves out (copied, not linked, so that a package
 * needing a left-out one fails here as in the image).
 */
async function assembleImage(): Promise<string> {
  await run('bash', [join(REPO_ROOT, 'scripts', 'build.sh')], { timeout: 10 * 60_000, cwd: REPO_ROOT });
  const dir = join(workDir, 'opt-mcptap');
  await cp(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  await cp(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  const leftOut = await imageLeavesOut();
  assert.ok(leftOut.has('chdb') && leftOut.has('tsx'), 'the image leaves out chdb and tsx');
  const lock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };
  const installed = productionInstall(lock, leftOut);
  assert.ok(installed.has('node_modules/@clickhouse/client') && installed.has('node_modules/yaml'));
  for (const path of installed) {
    // Top-level packages, each with what is nested in it; the workspace's link is not a package.
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || lock.packages[path]?.link) continue;
    // An optional package for another platform is in the lockfile, not installed.
    if (lock.packages[path]?.optional && !existsSync(join(REPO_ROOT, path))) continue;
    await cp(join(REPO_ROOT, path), join(dir, path), { recursive: true });
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

/** The files compose mounts into a service (its secrets): path in the container → file here. */
function mountedFiles(project: ComposeProject, service: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const { source, target } of project.services[service]?.secrets ?? []) {
    const file = project.secrets?.[source]?.file;
    assert.ok(file, `compose secret ${source} is a file`);
    files[target] = file;
  }
  return files;
}

/**
 * A service's deployed environment on this machine: the in-cluster addresses replaced by the local
 * servers', a path of a mounted file by that file's, listen addresses moved to free loopback ports; a topic prefix, consumer groups and
 * database of this run's own (the servers are shared); the local ClickHouse's account for the one the compose file's
 * ClickHouse container creates; and the demo's rules. Nothing else is changed or added.
 */
async function localEnvironment(
  env: ServiceEnv,
  rulesPath: string,
  mountedFiles: Readonly<Record<string, string>>,
): Promise<ServiceEnv> {
  const local: ServiceEnv = {};
  for (const [name, value] of Object.entries(env)) {
    let mapped = mountedFiles[value] ?? value;
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

test('the compiled CLI runs without tsx, and the image holds neither tsx nor chdb', async () => {
  const cli = join(imageDir, 'dist', 'cli', 'mcptap.js');
  const help = await runTool(process.execPath, [cli, '--help']);
  assert.equal(help.code, 0, help.stderr);
  for (const name of ['tsx', 'esbuild', 'chdb']) {
    const resolved = await runTool(process.execPath, [
      '-e',
      `require('node:module').createRequire(${JSON.stringify(cli)}).resolve(${JSON.stringify(name)})`,
    ]);
    assert.notEqual(resolved.code, 0, `${name} cannot be resolved from the image`);
    assert.match(resolved.stderr, new RegExp(`Cannot find module '${name}'`));
  }
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
  const project = await composeProject(tools, deployment.deploy);
  const environments = composeEnvironments(project);
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
    only: [], // every scenario, tampering too
    settleTimeoutMs: 60_000,
    progress: () => undefined,
    onAlert: () => undefined,
    // Logs stay in the demo's work folder (.mcptap/demo/RUN/logs) for a run that failed.
    async startStack({ rulesPath, workDir: demoDir }): Promise<DemoStack> {
      logDir = join(demoDir, 'logs');
      await mkdir(logDir, { recursive: true });
      const envs = new Map<string, ServiceEnv>();
      const env = async (service: keyof typeof environments) => {
        const known =
          envs.get(service) ??
          (await localEnvironment(environments[service], rulesPath, mountedFiles(project, service)));
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
      const sink = services.find((service) => service.name === 'sink');
      assert.ok(sink);
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
        async tamperAndVerify(tampering) {
          // A stopping sink seals every row it stored (the open segment too).
          await sink.stop();
          const tamperedMs = Date.now();
          await tamper(store as Store, tampering);
          // As an operator runs it in the sink's container: its environment, its key's public half.
          return auditVerifyCommand(['--tenant', tenant], await env('sink'), tamperedMs);
        },
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
    assert.ok(
      result.scenarios.some((scenario) => scenario.name === TAMPERING && scenario.detected),
      'audit verify named the tampered rows',
    );
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
  const env = await localEnvironment(environment, join(REPO_ROOT, 'detectors', 'default-rules.yaml'), {});
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
