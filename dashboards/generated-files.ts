import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDashboards, dashboardJson } from './build.js';

/** Writing the dashboards to a directory, and telling whether a directory holds what a build gives. */

export interface Drift {
  /** Files that differ from the build, are missing, or are not built any more. */
  changed: string[];
  missing: string[];
  extra: string[];
}

export async function writeDashboards(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = buildDashboards();
  const built = new Set(files.map((f) => f.name));
  for (const stale of (await readdir(dir)).filter((n) => n.endsWith('.json') && !built.has(n))) {
    await rm(join(dir, stale));
  }
  for (const file of files) await writeFile(join(dir, file.name), dashboardJson(file.dashboard));
  return files.map((f) => f.name);
}

export async function dashboardDrift(dir: string): Promise<Drift> {
  const present = new Set(
    (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')),
  );
  const drift: Drift = { changed: [], missing: [], extra: [] };
  const files = buildDashboards();
  for (const file of files) {
    if (!present.has(file.name)) {
      drift.missing.push(file.name);
      continue;
    }
    if ((await readFile(join(dir, file.name), 'utf8')) !== dashboardJson(file.dashboard))
      drift.changed.push(file.name);
  }
  const built = new Set(files.map((f) => f.name));
  drift.extra = [...present].filter((n) => !built.has(n)).sort();
  return drift;
}
