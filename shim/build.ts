// Builds the @mcptap/shim package (run by `npm pack` / `npm publish` through prepack): an ESM and a
// CommonJS bundle of the shim with the event model and the platform modules it uses, npm packages
// left as imports, plus type declarations for each. The CommonJS build is what `require` (and a
// TypeScript host compiled to CommonJS) gets: its declarations sit under a `"type": "commonjs"`
// package.json, so TypeScript resolves the MCP SDK and OpenTelemetry types a CommonJS host sees,
// not their ESM twins (whose classes it would call incompatible). The build fails when the bundle would reach beyond the shim's
// own sources or import a package the shim does not declare: that is how the store, Kafka and the
// embedded engine stay out of what a host installs.
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const SHIM_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = join(SHIM_DIR, '..');
const OUT_DIR = join(SHIM_DIR, 'dist');
const CJS_DIR = join(OUT_DIR, 'cjs');
/** Repository sources the shim may bundle, relative to the repository root. */
const BUNDLED_SOURCES = [
  /^shim\//,
  /^extract\//,
  /^model\//,
  /^secrets\//,
  /^platform\/(env-config|log|metrics|duration-format)\.ts$/,
];

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier);
}

export async function buildShimPackage(): Promise<void> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const manifest = JSON.parse(readFileSync(join(SHIM_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  } as const;
  const builds = await Promise.all([
    build({
      ...common,
      entryPoints: { index: join(SHIM_DIR, 'index.ts'), 'mcptap-proxy': join(SHIM_DIR, 'proxy-bin.ts') },
      outdir: OUT_DIR,
      splitting: true,
      format: 'esm',
      chunkNames: 'chunks/[name]-[hash]',
    }),
    build({ ...common, entryPoints: { index: join(SHIM_DIR, 'index.ts') }, outdir: CJS_DIR, format: 'cjs' }),
  ]);

  const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
  const problems: string[] = [];
  for (const { metafile } of builds) {
    for (const input of Object.keys(metafile.inputs)) {
      const path = relative(REPO_ROOT, join(process.cwd(), input));
      if (!BUNDLED_SOURCES.some((allowed) => allowed.test(path))) problems.push(`bundles ${path}`);
    }
    for (const output of Object.values(metafile.outputs)) {
      for (const imported of output.imports) {
        if (!imported.external || imported.path.startsWith('node:')) continue;
        if (!(packageName(imported.path) in declared))
          problems.push(`imports ${imported.path}, which shim/package.json does not declare`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `@mcptap/shim would pull more than the shim:\n  ${[...new Set(problems)].join('\n  ')}\n` +
        'Keep shim/ importing only extract/, model/, secrets/, platform/{env-config,log,metrics,duration-format} and its declared packages.',
    );
  }

  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(SHIM_DIR, 'tsconfig.build.json')], { stdio: 'inherit' });
  writeFileSync(join(CJS_DIR, 'package.json'), '{ "type": "commonjs" }\n');
  cpSync(join(OUT_DIR, 'types'), join(CJS_DIR, 'types'), { recursive: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildShimPackage();
