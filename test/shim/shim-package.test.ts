// The @mcptap/shim workspace package as a host gets it: packed with `npm pack` (which builds it),
// installed from the tarball into an empty directory outside the repository (beside the versions of
// its dependencies the product pins, all from the npm cache), then used there —
// the library in a host script and the `mcptap-proxy` command in front of server-everything —
// with its spans received by the real collector. What it installs must hold no store, no Kafka
// client and no embedded engine.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { EVERYTHING, startRecordingCollector, type RecordingCollector } from './support.js';
import {
  installFromCache,
  packShim,
  productManifest,
  productPinsOfShimPackages,
  shimManifest,
} from './shim-host-project.js';

const API_KEY = 'shim-package-test-key';
/** Packages that belong to the collector, the store or the embedded engine, never to a host. */
const NOT_FOR_HOSTS = [
  'chdb',
  '@chdb',
  '@clickhouse',
  'kafkajs',
  '@platformatic',
  'tsx',
  'esbuild',
  'protobufjs',
];

let work: string;
let host: string;
let recording: RecordingCollector;

/** Every package directory under node_modules, nested ones included, by package name. */
function installedPackages(modules: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const scoped = entry.startsWith('@')
      ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`)
      : [entry];
    for (const name of scoped) {
      names.push(name);
      const nested = join(modules, name, 'node_modules');
      if (existsSync(nested)) names.push(...installedPackages(nested));
    }
  }
  return names;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'mcptap-shim-package-'));
  const tarball = packShim(work);
  host = join(work, 'host');
  mkdirSync(host);
  writeFileSync(
    join(host, 'package.json'),
    '{"name":"a-host","version":"1.0.0","private":true,"type":"module"}\n',
  );
  installFromCache(host, [tarball, ...productPinsOfShimPackages()], ['--omit=dev']);

  recording = await startRecordingCollector('shim-package', API_KEY);
});

after(async () => {
  await recording?.collector.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the installed shim brings no store, Kafka client, embedded engine or TypeScript runtime', () => {
  const installed = installedPackages(join(host, 'node_modules'));
  assert.ok(installed.includes('@mcptap/shim'), 'the shim itself is installed');
  assert.ok(installed.includes('@modelcontextprotocol/sdk'), 'its declared dependencies are installed');
  const heavy = installed.filter((name) => NOT_FOR_HOSTS.some((p) => name === p || name.startsWith(`${p}/`)));
  assert.deepEqual(heavy, []);
  const shim = join(host, 'node_modules', '@mcptap', 'shim');
  assert.ok(existsSync(join(shim, 'dist', 'types', 'shim', 'index.d.ts')), 'type declarations are packed');
  assert.ok(existsSync(join(host, 'node_modules', '.bin', 'mcptap-proxy')), 'the proxy command is linked');
});

test('the shim package asks for ranges the product pins satisfy, OpenTelemetry API and MCP SDK from the host', () => {
  const product = productManifest();
  const shim = shimManifest();
  const ranges = { ...shim.dependencies, ...shim.peerDependencies };
  for (const [name, range] of Object.entries(ranges)) {
    const pinned = product.dependencies[name];
    assert.ok(
      range === pinned || range === `^${pinned}`,
      `${name}: shim/package.json asks ${range}, package.json pins ${pinned}`,
    );
  }
  for (const name of ['@opentelemetry/api', '@opentelemetry/sdk-trace-base', '@modelcontextprotocol/sdk'])
    assert.ok(shim.peerDependencies?.[name], `${name} is a peer dependency: the host's copy is used`);
  assert.equal(shim.version, product.version);
});

test('the installed library instruments a host: its tool call reaches the collector', async () => {
  const script = join(host, 'host.js');
  writeFileSync(
    script,
    `import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startMcptap, instrumentClient } from '@mcptap/shim';

const mcptap = startMcptap({ endpoint: process.env.COLLECTOR, apiKey: process.env.API_KEY, serviceName: 'package-host' });
const client = instrumentClient(new Client({ name: 'package-host', version: '1.0.0' }), { serverName: 'everything', endpoint: 'server-everything' });
await client.connect(new StdioClientTransport(JSON.parse(process.env.SERVER)));
const result = await client.callTool({ name: 'echo', arguments: { message: 'from the packaged library' } });
console.log(JSON.stringify(result.content));
await client.close();
await mcptap.shutdown();
`,
  );
  // Asynchronously: the collector answering the host's exporter runs in this process.
  const { stdout: output } = await promisify(execFile)(process.execPath, [script], {
    cwd: host,
    encoding: 'utf8',
    env: { ...process.env, COLLECTOR: recording.collector.url, API_KEY, SERVER: JSON.stringify(EVERYTHING) },
  });
  assert.match(output, /from the packaged library/);
  await recording.waitFor(
    (e) => e.kind === 'tool_call' && e.tool === 'echo' && e.server_name === 'everything',
    'the library tool call',
  );
});

test('the installed mcptap-proxy forwards a real server and reports its tool call', async () => {
  const proxy = join(host, 'node_modules', '.bin', 'mcptap-proxy');
  const client = new Client({ name: 'proxied-host', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: proxy,
      args: [
        '--name',
        'everything-proxied',
        '--collector',
        recording.collector.url,
        '--',
        EVERYTHING.command,
        ...EVERYTHING.args!,
      ],
      env: { ...(process.env as Record<string, string>), MCPTAP_API_KEY: API_KEY },
      cwd: host,
      stderr: 'ignore',
    }),
  );
  const result = await client.callTool({
    name: 'echo',
    arguments: { message: 'through the packaged proxy' },
  });
  assert.match(JSON.stringify(result.content), /through the packaged proxy/);
  await client.close();
  await recording.waitFor(
    (e) => e.kind === 'tool_call' && e.tool === 'echo' && e.server_name === 'everything-proxied',
    'the proxied tool call',
  );
});
