import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardDrift, writeDashboards } from './generated-files.js';

/** The directory Grafana provisioning mounts (deploy/compose/compose.yaml), committed to git. */
export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'generated');

const USAGE = `Usage: mcptap dashboards build [--out DIR] [--check]

Builds the Grafana dashboards from code (dashboards/*.ts) into JSON.
  --out DIR   write there instead of dashboards/generated/
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
  let dir = GENERATED_DIR;
  let check = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--check') check = true;
    else if (arg === '--out' && rest[i + 1] !== undefined) dir = resolve(rest[++i]!);
    else {
      console.error(`mcptap dashboards build: unexpected argument '${arg}'\n\n${USAGE}`);
      return 2;
    }
  }
  if (check) {
    const drift = await dashboardDrift(dir);
    const problems = [
      ...drift.changed.map((n) => `${n} differs`),
      ...drift.missing.map((n) => `${n} is missing`),
      ...drift.extra.map((n) => `${n} is not built by any dashboard`),
    ];
    if (problems.length === 0) {
      console.log(`dashboards in ${dir} match the code`);
      return 0;
    }
    console.error(
      `dashboards in ${dir} are out of date (${problems.join('; ')}): run 'npm run dashboards' and commit the result`,
    );
    return 1;
  }
  const names = await writeDashboards(dir);
  console.log(`wrote ${names.length} dashboards to ${dir}: ${names.join(', ')}`);
  return 0;
}
