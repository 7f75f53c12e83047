// The @mcptap/shim package in the two kinds of TypeScript host a user starts from, made as users make
// them (`npm init -y`, the repository's `tsc --init`): a CommonJS project (`import … = require`) and
// an ESM one (`"type": "module"`, NodeNext). Both depend on the packed shim and on their own copies of
// the MCP SDK and OpenTelemetry (the versions the product pins, from the npm cache); both compile with
// the repository's TypeScript and, run against server-everything, deliver their tool call to the
// real collector. The CommonJS host brings its own tracer provider: the shim's spans go through it,
// and the shim resolves the host's one copy of @opentelemetry/api.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EVERYTHING, REPO_ROOT, startRecordingCollector, type RecordingCollector } from './support.js';
import {
  installFromCache,
  packShim,
  productManifest,
  productPinsOfShimPackages,
} from './shim-host-project.js';

const API_KEY = 'host-projects-test-key';
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let work: string;
let recording: RecordingCollector;

/** A host directory as `npm init -y` and `tsc --init` leave it, with Node's types (for `process`). */
function initHostProject(name: string, type: 'commonjs' | 'module'): string {
  const dir = join(work, name);
  mkdirSync(dir);
  execFileSync('npm', ['init', '-y'], { cwd: dir, stdio: 'ignore' });
  if (type === 'module') execFileSync('npm', ['pkg', 'set', 'type=module'], { cwd: dir });
  execFileSync(process.execPath, [TSC, '--init'], { cwd: dir, stdio: 'ignore' });
  const tsconfig = readFileSync(join(dir, 'tsconfig.json'), 'utf8');
  assert.match(tsconfig, /"module": "nodenext"/, 'tsc --init still defaults to NodeNext');
  assert.match(tsconfig, /"types": \[\]/);
  writeFileSync(join(dir, 'tsconfig.json'), tsconfig.replace('"types": []', '"types": ["node"]'));
  return dir;
}

/** Compiles the host project; tsc's diagnostics are the failure message. */
function compile(dir: string): void {
  try {
    execFileSync(process.execPath, [TSC, '-p', dir], { cwd: dir, encoding: 'utf8' });
  } catch (error) {
    const { stdout } = error as { stdout?: string };
    assert.fail(`tsc failed in ${dir}:\n${stdout ?? String(error)}`);
  }
}

async function runHost(script: string, serverName: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [script], {
    encoding: 'utf8',
    env: {
      ...process.env,
      COLLECTOR: recording.collector.url,
      API_KEY,
      SERVER_NAME: serverName,
      SERVER: JSON.stringify(EVERYTHING),
    },
  });
  return stdout;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'mcptap-host-projects-'));
  const tarball = packShim(work);
  // Both hosts resolve their packages from this parent's node_modules, as packages of a monorepo do.
  writeFileSync(join(work, 'package.json'), '{"name":"hosts","version":"1.0.0","private":true}\n');
  const typesNode = `@types/node@${productManifest().devDependencies!['@types/node']}`;
  installFromCache(work, [tarball, ...productPinsOfShimPackages(), typesNode]);
  recording = await startRecordingCollector('host-projects', API_KEY);
});

after(async () => {
  await recording?.collector.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a CommonJS host compiles and its own tracer provider delivers the shim’s spans to mcptap', async () => {
  const dir = initHostProject('cjs-host', 'commonjs');
  writeFileSync(
    join(dir, 'host.ts'),
    `import api = require('@opentelemetry/api');
import sdkTrace = require('@opentelemetry/sdk-trace-base');
import otelInstrumentation = require('@opentelemetry/instrumentation');
import mcpClient = require('@modelcontextprotocol/sdk/client/index.js');
import mcpStdio = require('@modelcontextprotocol/sdk/client/stdio.js');
import shim = require('@mcptap/shim');

const env = process.env;
const seenByHost: string[] = [];
const provider = new sdkTrace.BasicTracerProvider({
  idGenerator: shim.mcptapIdGenerator,
  spanProcessors: [
    {
      onStart: () => undefined,
      onEnd: (span) => void seenByHost.push(span.name),
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    },
    new shim.McptapSpanProcessor({ endpoint: env['COLLECTOR'] ?? '', apiKey: env['API_KEY'] ?? '' }),
  ],
});
api.trace.setGlobalTracerProvider(provider);
otelInstrumentation.registerInstrumentations({
  instrumentations: [
    new shim.McpClientInstrumentation({
      serverFor: () => ({ name: env['SERVER_NAME'] ?? '', endpoint: 'server-everything' }),
    }),
  ],
});

async function main(): Promise<void> {
  const client = new mcpClient.Client({ name: 'cjs-host', version: '1.0.0' });
  await client.connect(new mcpStdio.StdioClientTransport(JSON.parse(env['SERVER'] ?? '{}')));
  const result = await client.callTool({ name: 'echo', arguments: { message: 'from a CommonJS host' } });
  await client.close();
  await provider.shutdown();
  console.log(JSON.stringify({ content: result.content, seenByHost }));
}
void main();
`,
  );
  compile(dir);
  assert.match(
    readFileSync(join(dir, 'host.js'), 'utf8'),
    /require\("@mcptap\/shim"\)/,
    'compiled to CommonJS',
  );

  const output = JSON.parse(await runHost(join(dir, 'host.js'), 'everything-cjs')) as {
    content: unknown;
    seenByHost: string[];
  };
  assert.match(JSON.stringify(output.content), /from a CommonJS host/);
  assert.ok(
    output.seenByHost.includes('tools/call echo'),
    `host provider saw ${output.seenByHost.join(', ')}`,
  );
  await recording.waitFor(
    (e) => e.kind === 'tool_call' && e.tool === 'echo' && e.server_name === 'everything-cjs',
    'the CommonJS host’s tool call',
  );
});

test('the host keeps one copy of the OpenTelemetry API, SDK and MCP SDK: the shim resolves the host’s', () => {
  const fromHost = createRequire(join(work, 'cjs-host', 'host.js'));
  const fromShim = createRequire(fromHost.resolve('@mcptap/shim'));
  for (const name of [
    '@opentelemetry/api',
    '@opentelemetry/sdk-trace-base',
    '@modelcontextprotocol/sdk/client/index.js',
  ])
    assert.equal(fromShim.resolve(name), fromHost.resolve(name), name);
  const copies = execFileSync(
    'find',
    [join(work, 'node_modules'), '-path', '*/@opentelemetry/api/package.json'],
    {
      encoding: 'utf8',
    },
  )
    .trim()
    .split('\n');
  assert.deepEqual(copies, [join(work, 'node_modules', '@opentelemetry', 'api', 'package.json')]);
});

test('an ESM host (NodeNext) compiles and startMcptap delivers its tool call to mcptap', async () => {
  const dir = initHostProject('esm-host', 'module');
  writeFileSync(
    join(dir, 'host.ts'),
    `import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { instrumentClient, startMcptap } from '@mcptap/shim';

const env = process.env;
const mcptap = startMcptap({ endpoint: env['COLLECTOR'] ?? '', apiKey: env['API_KEY'] ?? '', serviceName: 'esm-host' });
const client = instrumentClient(new Client({ name: 'esm-host', version: '1.0.0' }), {
  serverName: env['SERVER_NAME'] ?? '',
  endpoint: 'server-everything',
});
await client.connect(new StdioClientTransport(JSON.parse(env['SERVER'] ?? '{}')));
const result = await client.callTool({ name: 'echo', arguments: { message: 'from an ESM host' } });
await client.close();
await mcptap.shutdown();
console.log(JSON.stringify(result.content));
`,
  );
  compile(dir);
  assert.match(readFileSync(join(dir, 'host.js'), 'utf8'), /from '@mcptap\/shim'/, 'compiled to ESM');

  assert.match(await runHost(join(dir, 'host.js'), 'everything-esm'), /from an ESM host/);
  await recording.waitFor(
    (e) => e.kind === 'tool_call' && e.tool === 'echo' && e.server_name === 'everything-esm',
    'the ESM host’s tool call',
  );
});
