// What a host installs for the shim versus the whole product. Packs the `@mcptap/shim` workspace
// (shim/package.json; `npm pack` builds its bundle and `mcptap-proxy` bin), installs the tarball into an empty directory with
// `npm install --omit=dev`, checks the proxy runs from there and that no store or Kafka client came
// with it, and prints the sizes next to the repository's node_modules and the embedded engine's.
//
//   node --import tsx bench/local-install-size.ts
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HEAVY = ['chdb', '@chdb', '@clickhouse', 'kafkajs', '@platformatic'];

function duBytes(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'mcptap-install-size-'));
  try {
    const tarball = execFileSync('npm', ['pack', '-w', 'shim', '--silent', '--pack-destination', work], {
      cwd: REPO_ROOT,
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
