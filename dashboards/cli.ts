import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardDrift, writeDashboards, type DashboardDirs } from './generated-files.js';

const DASHBOARDS_DIR = dirname(fileURLToPath(import.meta.url));
/** The directory Grafana provisioning mounts (deploy/compose/compose.yaml), committed to git. */
export const GENERATED_DIR = join(DASHBOARDS_DIR, 'generated');
/** The files to upload through Grafana's import dialog, committed to git. */
export const IMPORT_DIR = join(DASHBOARDS_DIR, 'import');

/** The two directories a build writes under `root`: `generated/` and `import/`. */
export function dashboardDirs(root: string): DashboardDirs {
  return { provisioned: join(root, 'generated'), import: join(root, 'import') };
}

const USAGE = `Usage: mcptap dashboards build [--out DIR] [--check]

Builds the Grafana dashboards from code (dashboards/*.ts) into JSON: dashboards/generated/ for
provisioning (bound to the provisioned data source's uid) and dashboards/import/ for Grafana's
import dialog (which asks for the ClickHouse data source).
  --out DIR   write DIR/generated/ and DIR/import/ instead
  --check     write nothing; exit 1 if the JSON in the directory differs from a fresh build`;

/** `mcptap dashboards build`: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'build') {
    console.error(`mcptap dashboards: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  let dirs = dashboardDirs(DASHBOARDS_DIR);
  let check = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--check') check = true;
    else if (arg === '--out' && rest[i + 1] !== undefined) dirs = dashboardDirs(resolve(rest[++i]!));
    else {
      console.error(`mcptap dashboards build: unexpected argument '${arg}'\n\n${USAGE}`);
      return 2;
    }
  }
  if (check) {
    const drift = await dashboardDrift(dirs);
    const problems = [
      ...drift.changed.map((n) => `${n} differs`),
      ...drift.missing.map((n) => `${n} is missing`),
      ...drift.extra.map((n) => `${n} is not built by any dashboard`),
    ];
    if (problems.length === 0) {
      console.log(`dashboards in ${dirs.provisioned} and ${dirs.import} match the code`);
      return 0;
    }
    console.error(
      `dashboards are out of date (${problems.join('; ')}): run 'npm run dashboards' and commit the result`,
    );
    return 1;
  }
  const names = await writeDashboards(dirs);
  console.log(
    `wrote ${names.length} dashboards to ${dirs.provisioned} and ${dirs.import}: ${names.join(', ')}`,
  );
  return 0;
}
