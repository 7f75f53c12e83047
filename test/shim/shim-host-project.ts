// Hosts of the @mcptap/shim package as users make them, for the package tests: the workspace packed
// with `npm pack` (which builds it) and installed from the tarball into a directory outside the
// repository, from the npm cache only (no network at test time).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './support.js';

interface Manifest {
  version: string;
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export const readManifest = (path: string): Manifest => JSON.parse(readFileSync(path, 'utf8')) as Manifest;
export const productManifest = () => readManifest(join(REPO_ROOT, 'package.json'));
export const shimManifest = () => readManifest(join(REPO_ROOT, 'shim', 'package.json'));

/** Packs the shim workspace into `dir` and returns the tarball's path. */
export function packShim(dir: string): string {
  const packed = execFileSync('npm', ['pack', '-w', 'shim', '--silent', '--pack-destination', dir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return join(dir, packed.trim().split('\n').pop()!);
}

/**
 * `name@version` for every package the shim depends on or expects from its host, at the version the
 * product pins: what a host that already uses those packages has, and what the npm cache holds.
 */
export function productPinsOfShimPackages(): string[] {
  const product = productManifest();
  const shim = shimManifest();
  const pinned = { ...product.devDependencies, ...product.dependencies };
  return Object.keys({ ...shim.dependencies, ...shim.peerDependencies }).map((name) => {
    const version = pinned[name];
    if (version === undefined) throw new Error(`package.json does not pin ${name}, which the shim uses`);
    return `${name}@${version}`;
  });
}

/** `npm install` of the tarball and `packages` into `dir` (which has a package.json), offline. */
export function installFromCache(dir: string, packages: string[], extraArgs: string[] = []): void {
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', ...extraArgs, ...packages], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}
