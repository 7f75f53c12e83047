// What a host installs for the shim versus the whole product. Stages the shim as its own package
// (`@mcptap/shim`: shim/, the event model, the three platform modules it imports, a `mcptap-proxy`
// bin), packs it with `npm pack`, installs the tarball into an empty directory with
// `npm install --omit=dev`, checks the proxy runs from there and that no store or Kafka client came
// with it, and prints the sizes next to the repository's node_modules and the embedded engine's.
//
//   node --import tsx bench/local-install-size.ts
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHIM_DEPENDENCIES = [
  '@modelcontextprotocol/sdk',
  '@opentelemetry/api',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/exporter-trace-otlp-proto',
  '@opentelemetry/instrumentation',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-trace-base',
  'tsx',
  'zod',
];
const SHIM_FILES = ['shim', 'model', 'platform/env-config.ts', 'platform/log.ts', 'platform/metrics.ts'];
const HEAVY = ['chdb', '@chdb', '@clickhouse', 'kafkajs', '@platformatic'];

function duBytes(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

function stageShimPackage(into: string): void {
  const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  for (const file of SHIM_FILES) cpSync(join(REPO_ROOT, file), join(into, file), { recursive: true });
  mkdirSync(join(into, 'bin'));
  writeFileSync(
    join(into, 'bin', 'mcptap-proxy.js'),
    `#!/usr/bin/env node\nimport { register } from 'tsx/esm/api';\n\nregister();\n` +
      `const { main } = await import('../shim/proxy-cli.ts');\nprocess.exitCode = await main(process.argv.slice(2));\n`,
    { mode: 0o755 },
  );
  const dependencies = Object.fromEntries(
    SHIM_DEPENDENCIES.map((name) => {
      const version = root.dependencies[name];
      if (version === undefined) throw new Error(`${name} is not a dependency of the repository`);
      return [name, version];
    }),
  );
  writeFileSync(
    join(into, 'package.json'),
    JSON.stringify(
      {
        name: '@mcptap/shim',
        version: root.version,
        description: 'mcptap shim: MCP telemetry for hosts (library and `mcptap-proxy`), without the store',
        license: 'Apache-2.0',
        type: 'module',
        engines: { node: '>=20' },
        exports: { '.': './shim/index.ts' },
        bin: { 'mcptap-proxy': 'bin/mcptap-proxy.js' },
        files: ['bin', ...SHIM_FILES],
        dependencies,
      },
      null,
      2,
    ) + '\n',
  );
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'mcptap-install-size-'));
  try {
    const stage = join(work, 'stage');
    mkdirSync(stage);
    stageShimPackage(stage);
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], {
      cwd: stage,
      encoding: 'utf8',
    }).trim();
    const tarballPath = join(work, tarball.split('\n').pop()!);
    const host = join(work, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'package.json'), '{"name":"a-host","version":"1.0.0","private":true}\n');
    execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarballPath], {
      cwd: host,
      stdio: 'ignore',
    });
    const modules = join(host, 'node_modules');
    const heavy = HEAVY.filter((name) => existsSync(join(modules, name)));
    const run = spawnSync(join(modules, '.bin', 'mcptap-proxy'), ['--help'], { cwd: host, encoding: 'utf8' });
    const help = `${run.stdout}${run.stderr}`;
    const packages = readdirSync(modules).flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name],
    ).length;

    const repoModules = join(REPO_ROOT, 'node_modules');
    const engine = ['chdb', '@chdb']
      .map((name) => join(repoModules, name))
      .filter(existsSync)
      .reduce((sum, path) => sum + duBytes(path), 0);
    console.log('install size (bytes on disk, du -sb)');
    console.log(`  @mcptap/shim tarball:                 ${kib(statSync(tarballPath).size)}`);
    console.log(`  host after npm install of the shim:   ${mib(duBytes(modules))} in ${packages} packages`);
    console.log(`  store/Kafka packages pulled by it:    ${heavy.length === 0 ? 'none' : heavy.join(', ')}`);
    console.log(
      `  its mcptap-proxy --help runs:         ${/mcptap proxy --name NAME/.test(help) ? 'yes' : 'NO'}`,
    );
    console.log(`  whole product (repo node_modules):    ${mib(duBytes(repoModules))}`);
    console.log(`    of which the embedded engine (chdb): ${mib(engine)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
