import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboards, importJson, provisionedJson } from './build.js';

/** Writing the dashboards to their directories, and telling whether they hold what a build gives. */

/** Where each rendering of the dashboards goes. */
export interface DashboardDirs {
  /** What Grafana provisioning mounts (dashboards/generated/). */
  provisioned: string;
  /** What a user uploads through Grafana's import dialog (dashboards/import/). */
  import: string;
}

export interface Drift {
  /** Files (`<dir>/<name>`) that differ from the build, are missing, or are not built any more. */
  changed: string[];
  missing: string[];
  extra: string[];
}

const RENDERINGS: readonly { dir: keyof DashboardDirs; render: (dashboard: Dashboard) => string }[] = [
  { dir: 'provisioned', render: provisionedJson },
  { dir: 'import', render: importJson },
];

export async function writeDashboards(dirs: DashboardDirs): Promise<string[]> {
  const files = buildDashboards();
  const built = new Set(files.map((f) => f.name));
  for (const { dir: key, render } of RENDERINGS) {
    const dir = dirs[key];
    await mkdir(dir, { recursive: true });
    for (const stale of (await readdir(dir)).filter((n) => n.endsWith('.json') && !built.has(n))) {
      await rm(join(dir, stale));
    }
    for (const file of files) await writeFile(join(dir, file.name), render(file.dashboard));
  }
  return files.map((f) => f.name);
}

export async function dashboardDrift(dirs: DashboardDirs): Promise<Drift> {
  const drift: Drift = { changed: [], missing: [], extra: [] };
  const files = buildDashboards();
  const built = new Set(files.map((f) => f.name));
  for (const { dir: key, render } of RENDERINGS) {
    const dir = dirs[key];
    const present = new Set(
      (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')),
    );
    for (const file of files) {
      const path = join(dir, file.name);
      if (!present.has(file.name)) drift.missing.push(path);
      else if ((await readFile(path, 'utf8')) !== render(file.dashboard)) drift.changed.push(path);
    }
    drift.extra.push(
      ...[...present]
        .filter((n) => !built.has(n))
        .sort()
        .map((n) => join(dir, n)),
    );
  }
  return drift;
}
