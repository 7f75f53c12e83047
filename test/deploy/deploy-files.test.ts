import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import {
  COLLECTOR_ENV_TABLE,
  DETECTORS_ENV,
  LOCAL_ENV_TABLE,
  STORAGE_AND_SHIM_ENV,
} from '../support/env-tables.js';
import { LOG_LEVEL_ENV } from '../../platform/index.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

async function yamlDocuments(path: string): Promise<Record<string, unknown>[]> {
  const documents = parseAllDocuments(await readFile(path, 'utf8'));
  for (const document of documents) assert.deepEqual(document.errors, [], `${path} parses`);
  return documents.map((d) => d.toJS() as Record<string, unknown>);
}

test('every Kubernetes manifest parses and the kustomization names only files that exist', async () => {
  const kustomization = (await yamlDocuments(join(DEPLOY, 'k8s', 'kustomization.yaml')))[0] as {
    resources: string[];
    configMapGenerator: { envs?: string[]; files?: string[] }[];
  };
  for (const resource of kustomization.resources) {
    const docs = await yamlDocuments(join(DEPLOY, 'k8s', resource));
    for (const doc of docs)
      assert.ok(
        doc.apiVersion && doc.kind && (doc.metadata as { name?: string })?.name,
        `${resource}: a named object`,
      );
  }
  for (const generator of kustomization.configMapGenerator) {
    for (const file of [
      ...(generator.envs ?? []),
      ...(generator.files ?? []).map((f) => f.split('=').pop() ?? f),
    ]) {
      await readFile(join(DEPLOY, 'k8s', file));
    }
  }
});

test('compose and Kubernetes configure the services only with variables the services read', async () => {
  const known = new Set(
    [
      ...COLLECTOR_ENV_TABLE,
      ...DETECTORS_ENV,
      ...LOCAL_ENV_TABLE,
      ...STORAGE_AND_SHIM_ENV,
      LOG_LEVEL_ENV,
    ].map((s) => s.name),
  );
  const envFile = await readFile(join(DEPLOY, 'compose', 'mcptap.env'), 'utf8');
  const names = envFile
    .split('\n')
    .filter((line) => /^[A-Z]/.test(line))
    .map((line) => line.split('=')[0] ?? '');
  const compose = parse(await readFile(join(DEPLOY, 'compose', 'compose.yaml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string>; command?: string[] }>;
  };
  for (const service of ['collector', 'detectors', 'sink', 'migrate']) {
    names.push(...Object.keys(compose.services[service]?.environment ?? {}));
  }
  for (const file of await readdir(join(DEPLOY, 'k8s'))) {
    if (!file.startsWith('mcptap')) continue;
    const text = await readFile(join(DEPLOY, 'k8s', file), 'utf8');
    names.push(...[...text.matchAll(/name: (MCPTAP_[A-Z_]+)/g)].map((m) => m[1] ?? ''));
  }
  for (const name of names) assert.ok(known.has(name), `${name} is read by some mcptap service`);
  assert.ok(names.length > 5);
});
