// The deploy files work as written, checked by the real tools built from pinned Go modules
// (deploy/tools): kustomize renders the base and the production overlay, compose-go loads the compose
// file as `docker compose config` does, BuildKit's checks pass the Dockerfile; and the environment
// the deploy files give each mcptap service agrees with the configuration reference.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { AUDIT_ENV_TABLE } from '../../audit/index.js';
import { hashApiKey } from '../../collector/index.js';
import { HEALTH_ENDPOINTS } from '../../deploy/healthcheck.js';
import { KAFKA_ENV, LOG_FORMAT_ENV, LOG_LEVEL_ENV, type EnvVarSpec } from '../../platform/index.js';
import { configReference } from '../../scripts/config-reference.js';
import { ensureInfra } from '../support/infra.js';
import { COLLECTOR_ENV_TABLE, DETECTORS_ENV, STORAGE_AND_SHIM_ENV } from '../support/env-tables.js';
import { ALL_STORAGE_ENV } from '../../storage/index.js';
import {
  composeEnvironments,
  composeProject,
  copyDeploy,
  DEPLOY,
  deployTools,
  deployWithSecrets,
  findObject,
  K8S_WORKLOADS,
  k8sEnvironments,
  kustomizeBuild,
  MCPTAP_SERVICES,
  podContainers,
  podFieldValue,
  podSpec,
  REPO_ROOT,
  runTool,
  type DeployCopy,
  type DeployTools,
  type K8sObject,
  type McptapService,
} from './deploy-support.js';

const TENANT = 'acme';
let tools: DeployTools;
let deployment: DeployCopy & { apiKey: string };
let base: K8sObject[];
let production: K8sObject[];

before(async () => {
  tools = await deployTools();
  deployment = await deployWithSecrets(TENANT);
  base = await kustomizeBuild(tools, join(deployment.deploy, 'k8s'));
  production = await kustomizeBuild(tools, join(deployment.deploy, 'k8s', 'overlays', 'production'));
});

after(async () => {
  await deployment?.remove();
});

const MCPTAP_WORKLOADS = Object.values(K8S_WORKLOADS);

function isMcptapWorkload(object: K8sObject): boolean {
  return MCPTAP_WORKLOADS.some((w) => w.kind === object.kind && w.name === object.metadata.name);
}

test('kustomize renders the base: every service probed, the mcptap ones as non-root on their listen ports', () => {
  const workloads = base.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
  assert.deepEqual(workloads.map((o) => o.metadata.name).sort(), [
    'alertmanager',
    'clickhouse',
    'grafana',
    'kafka',
    'mcptap-collector',
    'mcptap-detectors',
    'mcptap-sink',
  ]);
  for (const workload of workloads) {
    for (const container of podContainers(workload)) {
      assert.ok(container.readinessProbe, `${workload.metadata.name}: readiness probe`);
      assert.ok(container.livenessProbe, `${workload.metadata.name}: liveness probe`);
    }
  }
  const environments = k8sEnvironments(base);
  for (const service of ['collector', 'detectors', 'sink'] as const) {
    const workload = findObject(base, 'Deployment', K8S_WORKLOADS[service].name);
    const [container] = podContainers(workload);
    const listen = environments[service][HEALTH_ENDPOINTS[service]?.variable ?? ''] ?? '';
    assert.match(listen, /^0\.0\.0\.0:\d+$/, `${service} listens on every interface of its pod`);
    const port = Number(listen.split(':')[1]);
    assert.deepEqual(container?.livenessProbe?.httpGet, { path: '/healthz', port });
    assert.deepEqual(container?.readinessProbe?.httpGet, { path: '/readyz', port });
    const pod = (workload.spec as { template: { spec: { securityContext?: { runAsNonRoot?: boolean } } } })
      .template.spec;
    assert.equal(pod.securityContext?.runAsNonRoot, true, `${service} runs as non-root`);
  }
  for (const object of base.filter(isMcptapWorkload)) {
    assert.equal(
      podContainers(object)[0]?.image,
      'mcptap:0.1.0',
      `${object.metadata.name}: the base's image`,
    );
  }
});

test('the base generates the dashboards ConfigMap, the Alertmanager configuration and both Secrets', async () => {
  const names = (await readdir(join(REPO_ROOT, 'dashboards', 'generated'))).filter((f) =>
    f.endsWith('.json'),
  );
  assert.ok(names.length > 0);
  const dashboards = base.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('mcptap-dashboards-'),
  );
  assert.deepEqual(Object.keys(dashboards?.data ?? {}).sort(), names.sort(), 'every generated dashboard');
  const secret = (prefix: string) =>
    base.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith(prefix))?.data ?? {};
  assert.deepEqual(Object.keys(secret('mcptap-clickhouse-')).sort(), ['password', 'reader-password']);
  const apiKeys = Buffer.from(secret('mcptap-collector-')['api-keys'] ?? '', 'base64').toString('utf8');
  assert.equal(
    apiKeys,
    `${TENANT}:${hashApiKey(deployment.apiKey)}`,
    'the hash of the key make-secrets.sh wrote',
  );
  assert.deepEqual(Object.keys(secret('alertmanager-receivers-')).sort(), [
    'MCPTAP_PAGERDUTY_ROUTING_KEY',
    'MCPTAP_SLACK_WEBHOOK_URL',
    'MCPTAP_SOC_WEBHOOK_URL',
  ]);
});

test('kustomize renders the production overlay: registry image, replicas, resources, a PDB per mcptap service', () => {
  for (const object of production.filter(isMcptapWorkload)) {
    const [container] = podContainers(object);
    assert.equal(container?.image, 'registry.example.com/mcptap:0.1.0', object.metadata.name);
    assert.ok(
      container?.resources?.requests?.cpu && container.resources.limits?.memory,
      object.metadata.name,
    );
  }
  const replicas = (name: string) =>
    (findObject(production, 'Deployment', name).spec as { replicas: number }).replicas;
  assert.equal(replicas('mcptap-collector'), 3);
  assert.equal(replicas('mcptap-detectors'), 3);
  assert.equal(replicas('mcptap-sink'), 2);
  const storage = (name: string) =>
    (
      findObject(production, 'StatefulSet', name).spec as {
        volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[];
      }
    ).volumeClaimTemplates[0]?.spec.resources.requests.storage;
  assert.equal(storage('kafka'), '100Gi', "deploy/README.md's sizing");
  assert.equal(storage('clickhouse'), '250Gi', "deploy/README.md's sizing");
  for (const name of ['mcptap-collector', 'mcptap-detectors', 'mcptap-sink']) {
    const budget = findObject(production, 'PodDisruptionBudget', name);
    assert.deepEqual((budget.spec as { selector: unknown }).selector, { matchLabels: { app: name } });
    assert.equal(budget.metadata.namespace, 'mcptap');
  }
});

test('kustomize build stops and names the secrets file while make-secrets.sh has not run', async () => {
  const bare = await copyDeploy();
  try {
    const result = await runTool(tools.kustomize, ['build', join(bare.deploy, 'k8s')]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /secrets\/(clickhouse|collector|alertmanager)\.env/);
  } finally {
    await bare.remove();
  }
});

test('the copies inside the kustomization root equal their sources, and every dashboard is copied', async () => {
  const copies = join(DEPLOY, 'k8s', 'base', 'files');
  const files = (await readdir(copies, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(copies.length + 1));
  assert.ok(files.includes('deploy/compose/mcptap.env'));
  for (const file of files) {
    assert.equal(
      await readFile(join(copies, file), 'utf8'),
      await readFile(join(REPO_ROOT, file), 'utf8'),
      `deploy/k8s/base/files/${file} is a copy of ${file}: run bash deploy/k8s/sync-files.sh`,
    );
  }
  for (const dashboard of await readdir(join(REPO_ROOT, 'dashboards', 'generated'))) {
    assert.ok(files.includes(`dashboards/generated/${dashboard}`), `${dashboard} copied: run sync-files.sh`);
  }
});

test('make-secrets.sh writes private files, once, and keys whose hashes the collector is given', async () => {
  const mode = async (path: string) => (await stat(path)).mode & 0o777;
  assert.equal(await mode(join(deployment.deploy, 'compose', '.env')), 0o600);
  assert.equal(await mode(join(deployment.deploy, 'k8s', 'base', 'secrets')), 0o700);
  assert.equal(await mode(join(deployment.deploy, 'k8s', 'base', 'secrets', 'clickhouse.env')), 0o600);
  assert.equal(await mode(join(deployment.deploy, 'secrets', `${TENANT}.api-key`)), 0o600);
  const before = await readFile(join(deployment.deploy, 'compose', '.env'), 'utf8');
  const again = await runTool('bash', [join(deployment.deploy, 'make-secrets.sh'), 'other']);
  assert.equal(again.code, 0);
  assert.equal(await readFile(join(deployment.deploy, 'compose', '.env'), 'utf8'), before, 'left unchanged');
  assert.ok(before.includes(`MCPTAP_COLLECTOR_API_KEYS=${TENANT}:${hashApiKey(deployment.apiKey)}\n`));
});

test('compose validates (compose-go): passwords to migrate and sink, the reader to migrate, Kafka data on its volume', async () => {
  const project = await composeProject(tools, deployment.deploy);
  const env = Object.fromEntries(
    (await readFile(join(deployment.deploy, 'compose', '.env'), 'utf8'))
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const environments = composeEnvironments(project);
  assert.equal(environments.migrate.MCPTAP_CLICKHOUSE_PASSWORD, env.MCPTAP_CLICKHOUSE_PASSWORD);
  assert.equal(environments.sink.MCPTAP_CLICKHOUSE_PASSWORD, env.MCPTAP_CLICKHOUSE_PASSWORD);
  assert.equal(environments.migrate.MCPTAP_CLICKHOUSE_READER_PASSWORD, env.MCPTAP_CLICKHOUSE_READER_PASSWORD);
  assert.equal(
    project.services.grafana?.environment?.MCPTAP_CLICKHOUSE_READER_PASSWORD,
    env.MCPTAP_CLICKHOUSE_READER_PASSWORD,
  );
  assert.equal(project.services.clickhouse?.environment?.CLICKHOUSE_PASSWORD, env.MCPTAP_CLICKHOUSE_PASSWORD);
  assert.equal(
    environments.collector.MCPTAP_COLLECTOR_API_KEYS,
    `${TENANT}:${hashApiKey(deployment.apiKey)}`,
  );

  const kafka = project.services.kafka;
  const logDirs = kafka?.environment?.KAFKA_LOG_DIRS;
  assert.ok(logDirs, 'Kafka is told where its log dirs are');
  assert.ok(
    kafka?.volumes?.some((v) => v.type === 'volume' && v.target === logDirs),
    `a named volume is mounted at log.dirs (${logDirs})`,
  );
  const kafkaK8s = findObject(base, 'StatefulSet', 'kafka');
  const [broker] = podContainers(kafkaK8s);
  const brokerEnv = Object.fromEntries((broker?.env ?? []).map((e) => [e.name, e.value]));
  const mounts = (broker as unknown as { volumeMounts: { mountPath: string }[] }).volumeMounts;
  assert.ok(
    mounts.some((m) => m.mountPath === brokerEnv.KAFKA_LOG_DIRS),
    'k8s: the PVC at log.dirs',
  );
});

test('compose without its .env stops on each required variable with a message that says what to set', async () => {
  const bare = await copyDeploy();
  try {
    const result = await runTool(tools.composeCheck, [join(bare.deploy, 'compose', 'compose.yaml')]);
    assert.equal(result.code, 1);
    const required = [...result.stderr.matchAll(/required variable (\w+) is missing a value: (.*)/g)];
    const names = [...new Set(required.map((m) => m[1]))].sort();
    assert.deepEqual(names, [
      'MCPTAP_CLICKHOUSE_PASSWORD',
      'MCPTAP_CLICKHOUSE_READER_PASSWORD',
      'MCPTAP_COLLECTOR_API_KEYS',
    ]);
    const readme = await readFile(join(DEPLOY, 'README.md'), 'utf8');
    for (const [, name, message] of required) {
      assert.match(message ?? '', new RegExp(`^set ${name} \\(.+\\).*make-secrets\\.sh`), 'says what to set');
      assert.ok(readme.includes(`\`${name}\``), `deploy/README.md names ${name}`);
    }
  } finally {
    await bare.remove();
  }
});

test('Alertmanager receivers come from variables: amtool accepts the rendered configuration with and without them', async () => {
  await ensureInfra(['alertmanager']); // installs amtool with Alertmanager
  const dir = await mkdtemp(join(tmpdir(), 'mcptap-am-'));
  const render = async (env: Record<string, string>) => {
    const output = join(dir, `alertmanager-${Object.keys(env).length}.yml`);
    const script = join(DEPLOY, 'alertmanager', 'render-config.sh');
    const result = await runTool('env', [
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      'sh',
      script,
      join(DEPLOY, 'alertmanager', 'alertmanager.yml'),
      output,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const check = await runTool('amtool', ['check-config', output]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    return readFile(output, 'utf8');
  };
  const silent = await render({});
  assert.doesNotMatch(silent, /webhook_configs|slack_configs|pagerduty_configs|127\.0\.0\.1/);
  const all = await render({
    MCPTAP_SOC_WEBHOOK_URL: 'http://soc.example.internal:8080/alerts?team=a&b=c',
    MCPTAP_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x',
    MCPTAP_PAGERDUTY_ROUTING_KEY: 'r0uting-key',
  });
  assert.match(all, /url: http:\/\/soc\.example\.internal:8080\/alerts\?team=a&b=c\n/);
  assert.match(all, /api_url: https:\/\/hooks\.slack\.com\/services\/T0\/B0\/x\n/);
  assert.match(all, /routing_key: r0uting-key\n/);
  // The local stack's receiver is never the default inside a container.
  const project = await composeProject(tools, deployment.deploy);
  assert.equal(project.services.alertmanager?.environment?.MCPTAP_SOC_WEBHOOK_URL, '');
});

test("deploy/Dockerfile passes BuildKit's checks, which do catch a careless Dockerfile", async () => {
  const ours = await runTool(tools.dockerfileLint, [join(DEPLOY, 'Dockerfile')]);
  assert.equal(ours.code, 0, ours.stdout + ours.stderr);
  const dir = await mkdtemp(join(tmpdir(), 'mcptap-dockerfile-'));
  const careless = join(dir, 'Dockerfile');
  await writeFile(careless, 'from node:20 as build\nMAINTAINER someone\nCMD node server.js\n');
  const result = await runTool(tools.dockerfileLint, [careless]);
  assert.equal(result.code, 1);
  for (const rule of ['MaintainerDeprecated', 'JSONArgsRecommended', 'ConsistentInstructionCasing']) {
    assert.match(result.stdout, new RegExp(rule));
  }
});

/** The variables each mcptap role reads (its tables in the configuration reference). */
const ROLE_TABLES: Record<McptapService, readonly EnvVarSpec[]> = {
  collector: COLLECTOR_ENV_TABLE,
  detectors: [...DETECTORS_ENV, ...KAFKA_ENV],
  sink: [...ALL_STORAGE_ENV, ...KAFKA_ENV, ...AUDIT_ENV_TABLE],
  migrate: ALL_STORAGE_ENV,
};

/** Credentials no default can stand for. */
const CREDENTIALS: Record<McptapService, readonly string[]> = {
  collector: ['MCPTAP_COLLECTOR_API_KEYS'],
  detectors: [],
  sink: ['MCPTAP_CLICKHOUSE_PASSWORD', 'MCPTAP_AUDIT_SIGNING_KEY_FILE'],
  migrate: ['MCPTAP_CLICKHOUSE_PASSWORD', 'MCPTAP_CLICKHOUSE_READER_PASSWORD'],
};

/**
 * What a deployment must set for a role: each variable of its tables whose default is a loopback
 * address (right on one machine, wrong in a container), its listen address (if it serves) and its
 * credentials.
 */
function requiredFor(service: McptapService): string[] {
  const loopback = ROLE_TABLES[service]
    .filter((spec) => /127\.0\.0\.1|localhost/.test(spec.default) && !spec.name.endsWith('_LISTEN'))
    .map((spec) => spec.name);
  const listen = HEALTH_ENDPOINTS[service]?.variable;
  return [...new Set([...loopback, ...(listen ? [listen] : []), ...CREDENTIALS[service]])].sort();
}

test('every variable the deploy files give an mcptap service is in the configuration reference, and each sets what its role requires', async () => {
  const reference = new Set([...configReference().matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]));
  assert.ok(reference.size > 40);
  const project = await composeProject(tools, deployment.deploy);
  const sources = {
    'compose.yaml': composeEnvironments(project),
    'kustomize build deploy/k8s': k8sEnvironments(base),
    'kustomize build deploy/k8s/overlays/production': k8sEnvironments(production),
  };
  for (const [source, environments] of Object.entries(sources)) {
    for (const service of MCPTAP_SERVICES) {
      const names = Object.keys(environments[service]);
      for (const name of names) {
        assert.ok(
          reference.has(name),
          `${source}: ${service}'s ${name} is in README's configuration reference`,
        );
      }
      for (const name of requiredFor(service)) {
        assert.ok(names.includes(name), `${source}: ${service} is given ${name}, which its role requires`);
        assert.notEqual(environments[service][name], '', `${source}: ${service}'s ${name} is not empty`);
      }
    }
  }
});

test("compose and Kubernetes give each mcptap service the same environment, but for the sink replicas' names", async () => {
  const project = await composeProject(tools, deployment.deploy);
  const compose = composeEnvironments(project);
  const k8s = k8sEnvironments(base);
  for (const service of MCPTAP_SERVICES) {
    const { MCPTAP_AUDIT_WRITER_ID: writer, ...shared } = k8s[service];
    if (service === 'sink') {
      // Two writers of one audit chain would fork it: each Kubernetes replica names its own.
      assert.equal(writer, podFieldValue('metadata.name'), "each sink pod's audit chains are its own");
    }
    assert.deepEqual(shared, compose[service], service);
  }
  assert.equal(compose.sink.MCPTAP_AUDIT_WRITER_ID, undefined, "compose's one sink: the default writer id");
  assert.equal(project.services.sink?.deploy?.replicas ?? 1, 1, 'compose runs one sink');
});

test("the sink seals with make-secrets.sh's audit key: private, the same pair in compose and Kubernetes", async () => {
  const keyFile = join(deployment.deploy, 'secrets', 'audit-signing.key');
  const mode = async (path: string) => (await stat(path)).mode & 0o777;
  assert.equal(await mode(keyFile), 0o600);
  assert.equal(await mode(join(deployment.deploy, 'k8s', 'base', 'secrets', 'audit-signing.key')), 0o600);
  const privatePem = await readFile(keyFile, 'utf8');
  const publicPem = await readFile(`${keyFile}.pub`, 'utf8');
  const key = createPrivateKey(privatePem);
  assert.equal(key.asymmetricKeyType, 'ed25519');
  assert.equal(
    createPublicKey(key).export({ type: 'spki', format: 'pem' }),
    publicPem,
    'the .pub is its half',
  );

  const keyPath = '/run/mcptap/audit/signing.key';
  const project = await composeProject(tools, deployment.deploy);
  assert.equal(composeEnvironments(project).sink.MCPTAP_AUDIT_SIGNING_KEY_FILE, keyPath);
  const mounted = Object.fromEntries(
    (project.services.sink?.secrets ?? []).map((s) => [s.target, project.secrets?.[s.source]?.file]),
  );
  assert.deepEqual(mounted, { [keyPath]: keyFile, [`${keyPath}.pub`]: `${keyFile}.pub` }, 'compose secrets');

  for (const [name, objects] of [
    ['base', base],
    ['production', production],
  ] as const) {
    const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('mcptap-audit-'));
    const data = Object.fromEntries(
      Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
    );
    assert.deepEqual(data, { 'signing.key': privatePem, 'signing.key.pub': publicPem }, `${name}: Secret`);
    const pod = podSpec(findObject(objects, 'Deployment', 'mcptap-sink'));
    const [sink] = pod.containers ?? [];
    assert.equal(k8sEnvironments(objects).sink.MCPTAP_AUDIT_SIGNING_KEY_FILE, keyPath, name);
    const keyMount = sink?.volumeMounts?.find((m) => m.mountPath === dirname(keyPath));
    const keyVolume = pod.volumes?.find((v) => v.name === keyMount?.name);
    assert.equal(keyVolume?.emptyDir?.medium, 'Memory', `${name}: the key's folder is in memory only`);
    // The init container puts the Secret's key there, the sink user's alone (0600: else it is refused).
    const [init] = pod.initContainers ?? [];
    const secretVolume = pod.volumes?.find((v) => v.secret?.secretName === secret?.metadata.name);
    const secretMount = init?.volumeMounts?.find((m) => m.name === secretVolume?.name)?.mountPath;
    assert.ok(init?.volumeMounts?.some((m) => m.name === keyMount?.name && m.mountPath === dirname(keyPath)));
    assert.match(
      init?.command?.join(' ') ?? '',
      new RegExp(`install -m 600 ${secretMount}/signing\\.key ${keyPath} `),
    );
    assert.equal(
      pod.securityContext?.fsGroup,
      pod.securityContext?.runAsUser,
      `${name}: the Secret readable by the sink`,
    );
  }
});

test('make-secrets.sh gives a deployment made before the audit key only the key', async () => {
  const older = await deployWithSecrets(TENANT);
  try {
    const env = join(older.deploy, 'compose', '.env');
    const before = await readFile(env, 'utf8');
    for (const dir of ['secrets', join('k8s', 'base', 'secrets')]) {
      for (const file of ['audit-signing.key', 'audit-signing.key.pub'])
        await rm(join(older.deploy, dir, file));
    }
    const again = await runTool('bash', [join(older.deploy, 'make-secrets.sh'), TENANT]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await readFile(env, 'utf8'), before, 'passwords and API keys left unchanged');
    const pem = (dir: string) => readFile(join(older.deploy, dir, 'audit-signing.key'), 'utf8');
    assert.equal(await pem(join('k8s', 'base', 'secrets')), await pem('secrets'));
    assert.equal(createPrivateKey(await pem('secrets')).asymmetricKeyType, 'ed25519');
  } finally {
    await older.remove();
  }
});

test("the image's health check probes each role where the role listens by default", () => {
  const tables = [
    ...COLLECTOR_ENV_TABLE,
    ...DETECTORS_ENV,
    ...STORAGE_AND_SHIM_ENV,
    LOG_LEVEL_ENV,
    LOG_FORMAT_ENV,
  ];
  for (const [role, endpoint] of Object.entries(HEALTH_ENDPOINTS)) {
    const spec = tables.find((s) => s.name === endpoint.variable);
    assert.equal(spec?.default, endpoint.fallback, `${role}: ${endpoint.variable}'s default`);
  }
});
