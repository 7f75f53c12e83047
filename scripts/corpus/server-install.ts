/**
 * Installs a real MCP server package outside the repository for the corpus scripts (catalog harvest,
 * live benign sessions): npm packages into a shared npm prefix, PyPI packages into a virtual
 * environment of their own, and says how to start the server over stdio.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const INSTALL_TIMEOUT_MS = 300_000;

export type Registry = 'npm' | 'pypi';

export interface ServerSpec {
  pkg: string;
  /** npm unless said. */
  registry?: Registry;
  /** The console script to start, when a PyPI package installs more than one. */
  script?: string;
  /**
   * PyPI requirements installed beside the package, e.g. `mcp<2` for a server written against the
   * Python SDK's 1.x API that does not pin it.
   */
  requires?: string[];
  args?: string[];
  env?: Record<string, string>;
}

/** What the registry installed: the command that starts the server, and the version installed. */
export interface Installed {
  command: string;
  args: string[];
  version: string;
}

/** A prefix of its own per package: one shared tree grows slower to resolve with every install. */
function installNpm(root: string, spec: ServerSpec): Installed {
  const prefix = join(root, 'npm', spec.pkg);
  execFileSync(
    'npm',
    ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--ignore-scripts', spec.pkg],
    {
      stdio: 'ignore',
      timeout: INSTALL_TIMEOUT_MS,
    },
  );
  const dir = join(prefix, 'node_modules', spec.pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    version: string;
    bin?: string | Record<string, string>;
    main?: string;
  };
  const bin =
    typeof manifest.bin === 'string' ? manifest.bin : (Object.values(manifest.bin ?? {})[0] ?? manifest.main);
  if (bin === undefined) throw new Error(`${spec.pkg} declares no bin or main`);
  return { command: process.execPath, args: [join(dir, bin)], version: manifest.version };
}

// Prints the installed version and console scripts of one distribution, as JSON.
const PYTHON_DISTRIBUTION = `
import importlib.metadata as m, json, sys
d = m.distribution(sys.argv[1])
print(json.dumps({"version": d.version, "scripts": [e.name for e in d.entry_points if e.group == "console_scripts"]}))
`;

/** A virtual environment of its own per package, so that no two servers' pins collide. */
function installPypi(root: string, spec: ServerSpec): Installed {
  const venv = join(root, 'pypi', spec.pkg);
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: INSTALL_TIMEOUT_MS,
    });
  run('python3', ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    spec.pkg,
    ...(spec.requires ?? []),
  ]);
  const { version, scripts } = JSON.parse(
    run(join(venv, 'bin', 'python'), ['-c', PYTHON_DISTRIBUTION, spec.pkg]),
  ) as {
    version: string;
    scripts: string[];
  };
  const script = spec.script ?? scripts[0];
  if (script === undefined || (spec.script !== undefined && !scripts.includes(spec.script))) {
    throw new Error(
      `${spec.pkg} installs no console script ${spec.script ?? ''} (it has: ${scripts.join(', ')})`,
    );
  }
  return { command: join(venv, 'bin', script), args: [], version };
}

/** Installs `spec` under `root` (a temporary directory the caller removes). */
export function installServer(root: string, spec: ServerSpec): Installed {
  return spec.registry === 'pypi' ? installPypi(root, spec) : installNpm(root, spec);
}
