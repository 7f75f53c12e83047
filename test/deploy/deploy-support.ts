// The deploy files as the real tools read them: the Go-built checkers of deploy/tools, a copy of
// deploy/ with the secrets make-secrets.sh writes, the compose project as compose-go resolves it and
// the Kubernetes objects kustomize renders, and the environment each gives every mcptap service.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOY = join(REPO_ROOT, 'deploy');

/** The mcptap services both deployments run, each a role of `mcptap`. */
export const MCPTAP_SERVICES = ['migrate', 'collector', 'detectors', 'sink'] as const;
export type McptapService = (typeof MCPTAP_SERVICES)[number];

/** Kubernetes workload of each service in the rendered manifests. */
export const K8S_WORKLOADS: Record<McptapService, { kind: string; name: string }> = {
  migrate: { kind: 'Job', name: 'mcptap-migrate' },
  collector: { kind: 'Deployment', name: 'mcptap-collector' },
  detectors: { kind: 'Deployment', name: 'mcptap-detectors' },
  sink: { kind: 'Deployment', name: 'mcptap-sink' },
};

export interface DeployTools {
  kustomize: string;
  composeCheck: string;
  dockerfileLint: string;
}

/** Builds the checkers once (deploy/tools/build.sh caches them) and returns their paths. */
export async function deployTools(): Promise<DeployTools> {
  const { stdout } = await run('bash', [join(DEPLOY, 'tools', 'build.sh')], {
    timeout: 30 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const dir = stdout.trim().split('\n').pop() ?? '';
  return {
    kustomize: join(dir, 'kustomize'),
    composeCheck: join(dir, 'compose-check'),
    dockerfileLint: join(dir, 'dockerfile-lint'),
  };
}

/** A copy of deploy/ (and of what compose mounts from the repository) in a temporary folder. */
export interface DeployCopy {
  /** The copy's deploy/ folder. */
  deploy: string;
  remove(): Promise<void>;
}

export async function copyDeploy(): Promise<DeployCopy> {
  const root = await mkdtemp(join(tmpdir(), 'mcptap-deploy-'));
  const deploy = join(root, 'deploy');
  await cp(DEPLOY, deploy, {
    recursive: true,
    // Never the operator's own secrets, should this checkout have some.
    filter: (source) => !/deploy\/(compose\/\.env|k8s\/base\/secrets|secrets)(\/|$)/.test(source),
  });
  await cp(join(REPO_ROOT, 'dashboards', 'generated'), join(root, 'dashboards', 'generated'), {
    recursive: true,
  });
  return { deploy, remove: () => rm(root, { recursive: true, force: true }) };
}

/** A copy of deploy/ with secrets from make-secrets.sh for one tenant, and that tenant's API key. */
export async function deployWithSecrets(tenant: string): Promise<DeployCopy & { apiKey: string }> {
  const copy = await copyDeploy();
  await run('bash', [join(copy.deploy, 'make-secrets.sh'), tenant]);
  const apiKey = (await readFile(join(copy.deploy, 'secrets', `${tenant}.api-key`), 'utf8')).trim();
  return { ...copy, apiKey };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runTool(command: string, args: string[]): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(command, args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}

/** `kustomize build DIR`, failing the test with kustomize's message if it does not render. */
export async function kustomizeBuild(tools: DeployTools, dir: string): Promise<K8sObject[]> {
  const result = await runTool(tools.kustomize, ['build', dir]);
  assert.equal(result.code, 0, `kustomize build ${dir}:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((doc) => {
    assert.deepEqual(doc.errors, []);
    return doc.toJS() as K8sObject;
  });
}

export interface ComposeService {
  secrets?: { source: string; target: string }[];
  deploy?: { replicas?: number };
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  volumes?: { type: string; source?: string; target: string }[];
  ports?: { target: number; published?: string }[];
  healthcheck?: { test?: string[] };
}

export interface ComposeProject {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
}

/** The compose project as `docker compose config` resolves it (compose-go), with the copy's .env. */
export async function composeProject(tools: DeployTools, deploy: string): Promise<ComposeProject> {
  const result = await runTool(tools.composeCheck, [join(deploy, 'compose', 'compose.yaml')]);
  assert.equal(result.code, 0, `compose-check:\n${result.stderr}`);
  return JSON.parse(result.stdout) as ComposeProject;
}

export type ServiceEnv = Record<string, string>;

/** Each mcptap service's environment in the compose project (env_file merged in by compose-go). */
export function composeEnvironments(project: ComposeProject): Record<McptapService, ServiceEnv> {
  const envs = {} as Record<McptapService, ServiceEnv>;
  for (const service of MCPTAP_SERVICES) {
    const declared = project.services[service];
    assert.ok(declared, `compose.yaml has service ${service}`);
    envs[service] = Object.fromEntries(
      Object.entries(declared.environment ?? {}).map(([name, value]) => [name, value ?? '']),
    );
  }
  return envs;
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
      fieldRef?: { fieldPath: string };
    };
  }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  ports?: { containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: number | string } };
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

interface PodSpec {
  containers?: Container[];
  initContainers?: (Container & { command?: string[] })[];
  volumes?: { name: string; secret?: { secretName: string }; emptyDir?: { medium?: string } }[];
  securityContext?: { runAsUser?: number; fsGroup?: number };
}

export function podSpec(object: K8sObject): PodSpec {
  return (object.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec ?? {};
}

export function podContainers(object: K8sObject): Container[] {
  return podSpec(object).containers ?? [];
}

/** How a variable set from the pod's own fields (the downward API) shows in an environment. */
export function podFieldValue(fieldPath: string): string {
  return `<pod ${fieldPath}>`;
}

export function findObject(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `the rendered manifests hold ${kind} ${name}`);
  return found;
}

/** Data of a rendered ConfigMap or Secret (decoded), found by its generated name. */
function objectData(objects: readonly K8sObject[], kind: 'ConfigMap' | 'Secret', name: string): ServiceEnv {
  const data = findObject(objects, kind, name).data ?? {};
  if (kind === 'ConfigMap') return { ...data };
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
  );
}

/** A container's environment as the kubelet gives it: envFrom first, then env, references resolved. */
export function containerEnvironment(objects: readonly K8sObject[], container: Container): ServiceEnv {
  const env: ServiceEnv = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, objectData(objects, 'ConfigMap', source.configMapRef.name));
    if (source.secretRef) Object.assign(env, objectData(objects, 'Secret', source.secretRef.name));
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const configMap = variable.valueFrom?.configMapKeyRef;
    const field = variable.valueFrom?.fieldRef;
    const value = secret
      ? objectData(objects, 'Secret', secret.name)[secret.key]
      : configMap
        ? objectData(objects, 'ConfigMap', configMap.name)[configMap.key]
        : field
          ? podFieldValue(field.fieldPath)
          : variable.value;
    assert.ok(value !== undefined, `${container.name}: ${variable.name} resolves to a value`);
    env[variable.name] = value;
  }
  return env;
}

/** Each mcptap service's environment in the rendered manifests. */
export function k8sEnvironments(objects: readonly K8sObject[]): Record<McptapService, ServiceEnv> {
  const envs = {} as Record<McptapService, ServiceEnv>;
  for (const service of MCPTAP_SERVICES) {
    const { kind, name } = K8S_WORKLOADS[service];
    const [container] = podContainers(findObject(objects, kind, name));
    assert.ok(container, `${kind} ${name} has a container`);
    assert.deepEqual(container.args, [service], `${name} runs mcptap ${service}`);
    envs[service] = containerEnvironment(objects, container);
  }
  return envs;
}
