import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';

// Lints snippets as if they were files of the repository, through the project's own eslint.config.js,
// so the exceptions it configures are what is tested.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  assert.ok(result, `eslint linted ${filePath}`);
  return result.messages
    .filter((m) => m.ruleId === 'mcptap/stage-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

test('product code reaches another stage only through its index.js', async () => {
  assert.deepEqual(
    await problems('storage/probe.ts', "export { DetectorEngine } from '../detectors/index.js';\n"),
    [],
  );
  const deep = await problems(
    'storage/probe.ts',
    "import { DetectorEngine } from '../detectors/engine/detector-engine.js';\nexport { DetectorEngine };\n",
  );
  assert.equal(deep.length, 1);
  assert.match(deep[0] ?? '', /reaches inside detectors\/; import it from '\.\.\/detectors\/index\.js'/);
});

test('re-exports and dynamic imports are checked like static imports', async () => {
  assert.equal(
    (await problems('local/probe.ts', "export { isoTime } from '../model/events.js';\n")).length,
    1,
  );
  const dynamic = await problems(
    'cli/probe.ts',
    "export const load = async () => (await import('../local/cli.js')).localMain;\n",
  );
  assert.equal(dynamic.length, 1);
  assert.match(dynamic[0] ?? '', /import it from '\.\.\/local\/index\.js'/);
});

test('a stage imports its own subfolders freely, but not another stage from inside a subfolder', async () => {
  assert.deepEqual(
    await problems('detectors/rules/probe.ts', "export type { Detector } from '../engine/detector.js';\n"),
    [],
  );
  const fromSubfolder = await problems(
    'detectors/rules/probe.ts',
    "export type { McpEvent } from '../../model/events.js';\n",
  );
  assert.equal(fromSubfolder.length, 1);
  assert.match(fromSubfolder[0] ?? '', /'\.\.\/\.\.\/model\/index\.js'/);
});

test('tests, benchmarks and developer scripts may reach internals', async () => {
  const deep = "export { DetectorEngine } from '../../detectors/engine/detector-engine.js';\n";
  assert.deepEqual(await problems('test/unit/probe.test.ts', deep), []);
  assert.deepEqual(await problems('bench/probe/probe.ts', deep), []);
  assert.deepEqual(await problems('scripts/lint/probe.ts', deep), []);
});

test("only what @mcptap/shim bundles may import platform's leaf modules directly", async () => {
  assert.deepEqual(
    await problems('shim/probe.ts', "export { createLogger } from '../platform/log.js';\n"),
    [],
  );
  assert.deepEqual(
    await problems('secrets/probe.ts', "export { envInt } from '../platform/env-config.js';\n"),
    [],
  );
  assert.equal(
    (await problems('shim/probe.ts', "export { createKafka } from '../platform/kafka/kafkajs-client.js';\n"))
      .length,
    1,
  );
  assert.equal(
    (await problems('collector/probe.ts', "export { createLogger } from '../platform/log.js';\n")).length,
    1,
  );
});

test("the shim package's command module is an entry point of shim/, its other modules are not", async () => {
  const load = "export const load = async () => (await import('../shim/proxy-cli.js')).main;\n";
  assert.deepEqual(await problems('cli/probe.ts', load), []);
  const proxyInternals = "export { startHttpProxy } from '../shim/proxy/http-proxy.js';\n";
  assert.equal((await problems('cli/probe.ts', proxyInternals)).length, 1);
});

test('an index.ts lists its exports instead of export *', async () => {
  const barrel = await problems('storage/index.ts', "export * from './queries.js';\n");
  assert.equal(barrel.length, 1);
  assert.match(barrel[0] ?? '', /not export \*/);
  assert.deepEqual(await problems('storage/index.ts', "export { recentAlerts } from './queries.js';\n"), []);
});
