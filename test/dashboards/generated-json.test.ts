// The committed dashboards (dashboards/generated/ for provisioning, dashboards/import/ for the UI's
// import dialog) are what the code builds, and have the shape a stock Grafana 11.6 with the
// ClickHouse plugin loads: checked structurally here, since the foundation SDK is types only (tsc
// checks the builders against its Dashboard type).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { dashboardDirs, GENERATED_DIR, IMPORT_DIR, main } from '../../dashboards/cli.js';
import {
  buildDashboards,
  CLICKHOUSE_DATASOURCE_UID,
  CLICKHOUSE_PLUGIN_ID,
  DATASOURCE_INPUT,
  dashboardDrift,
  writeDashboards,
} from '../../dashboards/index.js';

const REPO = join(GENERATED_DIR, '..', '..');
/** Panel types of Grafana 11.6's core panel plugins that the dashboards use. */
const CORE_PANELS = new Set(['timeseries', 'table', 'stat', 'barchart', 'bargauge', 'row']);
/** Variables Grafana itself provides. */
const BUILT_IN = new Set([
  '__all',
  '__data',
  '__url_time_range',
  '__from',
  '__to',
  '__interval',
  '__interval_ms',
]);

interface JsonPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: {
    defaults: { unit?: string; thresholds?: { steps: unknown[] } };
    overrides: { properties: { id: string; value: unknown }[] }[];
  };
  targets?: {
    rawSql: string;
    datasource: { type: string; uid: string };
    editorType: string;
    format: number;
    queryType: string;
  }[];
}
interface JsonDashboard {
  __inputs?: { name: string; type: string; pluginId: string }[];
  __requires?: { type: string; id: string }[];
  uid: string;
  title: string;
  schemaVersion: number;
  panels: JsonPanel[];
  templating: {
    list: { name: string; type: string; query?: unknown; current?: { value?: unknown } }[];
  };
}

/** The committed files of one directory: GENERATED_DIR (provisioning) by default. */
async function committed(dir = GENERATED_DIR): Promise<JsonDashboard[]> {
  return Promise.all(
    buildDashboards().map(
      async (f) => JSON.parse(await readFile(join(dir, f.name), 'utf8')) as JsonDashboard,
    ),
  );
}

/** Every data source reference in a dashboard: panels, their queries, variable queries. */
function datasourceRefs(d: JsonDashboard): { where: string; ref: unknown }[] {
  return [
    ...d.panels.flatMap((p) => [
      ...(p.type === 'row' ? [] : [{ where: p.title, ref: p.datasource }]),
      ...(p.targets ?? []).map((t) => ({ where: `${p.title} query`, ref: t.datasource })),
    ]),
    ...d.templating.list
      .filter((v) => v.type === 'query')
      .map((v) => ({ where: `$${v.name}`, ref: (v as { datasource?: unknown }).datasource })),
  ];
}

describe('generated dashboards', () => {
  it('match the committed JSON (run `npm run dashboards` after changing dashboards/*.ts)', async () => {
    assert.deepEqual(await dashboardDrift({ provisioned: GENERATED_DIR, import: IMPORT_DIR }), {
      changed: [],
      missing: [],
      extra: [],
    });
  });

  it('are reported as drifted by `dashboards build --check` when a file was edited by hand', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcptap-dash-'));
    try {
      await writeDashboards(dashboardDirs(dir));
      assert.equal(await main(['build', '--check', '--out', dir]), 0);
      for (const sub of ['generated', 'import']) {
        const file = join(dir, sub, 'overview.json');
        const text = await readFile(file, 'utf8');
        await writeFile(file, text.replace('Tool calls', 'Tool kalls'));
        assert.equal(await main(['build', '--check', '--out', dir]), 1);
        assert.deepEqual((await dashboardDrift(dashboardDirs(dir))).changed, [file]);
        await writeFile(file, text);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('have unique uids, the schema version of Grafana 11.6 and core panel types only', async () => {
    const dashboards = await committed();
    assert.equal(new Set(dashboards.map((d) => d.uid)).size, dashboards.length);
    for (const d of dashboards) {
      assert.equal(d.schemaVersion, 41, d.uid);
      for (const panel of d.panels)
        assert.ok(CORE_PANELS.has(panel.type), `${d.uid}: panel type ${panel.type}`);
    }
  });

  it('lay panels out on the 24-column grid without overlap, with unique ids', async () => {
    for (const d of await committed()) {
      assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length, d.uid);
      const taken = new Set<string>();
      for (const { gridPos: g, title } of d.panels) {
        assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${d.uid} / ${title} is off the grid`);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            assert.ok(!taken.has(`${x},${y}`), `${d.uid} / ${title} overlaps another panel`);
            taken.add(`${x},${y}`);
          }
        }
      }
    }
  });

  it('give every panel a description, a unit, thresholds and a raw-SQL ClickHouse query', async () => {
    for (const d of await committed()) {
      for (const panel of d.panels.filter((p) => p.type !== 'row')) {
        const name = `${d.uid} / ${panel.title}`;
        assert.ok((panel.description ?? '').length >= 30, `${name}: description`);
        assert.ok(panel.fieldConfig?.defaults.unit, `${name}: unit`);
        assert.ok((panel.fieldConfig?.defaults.thresholds?.steps.length ?? 0) >= 1, `${name}: thresholds`);
        assert.equal(panel.targets?.length, 1, name);
        const [query] = panel.targets!;
        assert.equal(query!.editorType, 'sql', name);
        // The plugin's v4 query types (src/types/queryBuilder.ts: QueryType.TimeSeries is
        // 'timeSeries') and the format each maps to (mapQueryTypeToGrafanaFormat).
        assert.equal(query!.queryType, panel.type === 'timeseries' ? 'timeSeries' : 'table', name);
        assert.equal(query!.format, panel.type === 'timeseries' ? 0 : 1, name);
        assert.match(query!.rawSql, /^SELECT /, name);
      }
    }
  });

  it('import through the UI: one ClickHouse data source input, which every reference names', async () => {
    const placeholder = { type: CLICKHOUSE_PLUGIN_ID, uid: `\${${DATASOURCE_INPUT}}` };
    for (const d of await committed(IMPORT_DIR)) {
      assert.deepEqual(
        d.__inputs?.map((i) => [i.name, i.type, i.pluginId]),
        [[DATASOURCE_INPUT, 'datasource', CLICKHOUSE_PLUGIN_ID]],
        d.uid,
      );
      assert.ok(d.__requires?.some((r) => r.type === 'datasource' && r.id === CLICKHOUSE_PLUGIN_ID));
      const refs = datasourceRefs(d);
      assert.ok(refs.length > d.panels.length, d.uid);
      for (const { where, ref } of refs) assert.deepEqual(ref, placeholder, `${d.uid} / ${where}`);
      // Nothing left for Grafana to fill with whichever ClickHouse data source comes first.
      assert.ok(!d.templating.list.some((v) => v.type === 'datasource'), d.uid);
      assert.doesNotMatch(JSON.stringify(d), new RegExp(CLICKHOUSE_DATASOURCE_UID), d.uid);
    }
  });

  it('provision bound to the provisioned data source by uid, with no import placeholder left', async () => {
    const provisioned = await committed();
    const imported = await committed(IMPORT_DIR);
    for (const [index, d] of provisioned.entries()) {
      assert.equal(d.__inputs, undefined, d.uid);
      for (const { where, ref } of datasourceRefs(d))
        assert.deepEqual(
          ref,
          { type: CLICKHOUSE_PLUGIN_ID, uid: CLICKHOUSE_DATASOURCE_UID },
          `${d.uid} / ${where}`,
        );
      assert.doesNotMatch(JSON.stringify(d), /\$\{DS_/, d.uid);
      // Otherwise the same dashboard as the import file.
      const { __inputs, __requires, ...rest } = imported[index]!;
      assert.ok(__inputs && __requires);
      assert.equal(
        JSON.stringify(rest).replaceAll(`\${${DATASOURCE_INPUT}}`, CLICKHOUSE_DATASOURCE_UID),
        JSON.stringify(d),
      );
    }
  });

  it('use only variables the dashboard declares (or Grafana provides)', async () => {
    for (const d of await committed()) {
      const declared = new Set(d.templating.list.map((v) => v.name));
      const texts = [
        ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.rawSql)),
        ...d.templating.list.map((v) => String(v.query ?? '')),
      ];
      for (const text of texts) {
        for (const [, plain, braced] of text.matchAll(/\$(\w+)|\$\{(\w+)/g)) {
          const name = plain ?? braced!;
          if (name.startsWith('__')) continue; // plugin macros and Grafana's own
          assert.ok(declared.has(name), `${d.uid}: $${name} is not a variable of the dashboard`);
        }
      }
    }
  });

  it('link alerts and tool calls to the session view with the variables it reads', async () => {
    const dashboards = await committed();
    const session = dashboards.find((d) => d.uid === 'mcptap-session')!;
    const names = new Set(session.templating.list.map((v) => v.name));
    let links = 0;
    for (const d of dashboards) {
      for (const panel of d.panels) {
        for (const override of panel.fieldConfig?.overrides ?? []) {
          for (const property of override.properties.filter((p) => p.id === 'links')) {
            for (const link of property.value as { url: string }[]) {
              const url = new URL(link.url, 'http://grafana');
              assert.equal(url.pathname, '/d/mcptap-session/session-forensics');
              for (const key of url.searchParams.keys()) {
                if (key.startsWith('var-'))
                  assert.ok(names.has(key.slice(4)), `${d.uid}: link sets unknown ${key}`);
              }
              for (const [, name] of link.url.matchAll(/\$\{(\w+)/g)) assert.ok(BUILT_IN.has(name!), name);
              links++;
            }
          }
        }
      }
    }
    const linkedFrom = dashboards
      .filter((d) => JSON.stringify(d).includes('/d/mcptap-session/'))
      .map((d) => d.uid);
    assert.deepEqual(linkedFrom.sort(), [
      'mcptap-alerts',
      'mcptap-catalog',
      'mcptap-egress',
      'mcptap-tool-calls',
    ]);
    assert.ok(links >= 8, `${links} links`);
  });
});

describe('Grafana provisioning', () => {
  it('defines the ClickHouse data source the dashboards use, as the read-only user, from the environment', async () => {
    const text = await readFile(
      join(REPO, 'deploy/grafana/provisioning/datasources/mcptap-clickhouse.yaml'),
      'utf8',
    );
    const { apiVersion, datasources } = parse(text) as {
      apiVersion: number;
      datasources: {
        uid: string;
        type: string;
        jsonData: Record<string, unknown>;
        secureJsonData: Record<string, string>;
      }[];
    };
    assert.equal(apiVersion, 1);
    assert.equal(datasources.length, 1);
    const [ds] = datasources;
    assert.equal(ds!.uid, CLICKHOUSE_DATASOURCE_UID);
    assert.equal(ds!.type, CLICKHOUSE_PLUGIN_ID);
    assert.equal(ds!.jsonData.username, 'mcptap_reader');
    assert.equal(ds!.jsonData.host, '${MCPTAP_CLICKHOUSE_HOST}');
    assert.equal(ds!.jsonData.port, '${MCPTAP_CLICKHOUSE_PORT}');
    assert.equal(ds!.secureJsonData.password, '${MCPTAP_CLICKHOUSE_READER_PASSWORD}');
  });

  it('points the dashboard provider where compose mounts dashboards/generated', async () => {
    const provider = parse(
      await readFile(join(REPO, 'deploy/grafana/provisioning/dashboards/mcptap.yaml'), 'utf8'),
    ) as { providers: { type: string; options: { path: string } }[] };
    const compose = await readFile(join(REPO, 'deploy/compose/compose.yaml'), 'utf8');
    const mount = /'\.\.\/\.\.\/dashboards\/generated:([^:']+)/.exec(compose)?.[1];
    assert.equal(provider.providers[0]!.type, 'file');
    assert.equal(provider.providers[0]!.options.path, mount);
    assert.match(compose, /'\.\.\/grafana\/provisioning:\/etc\/grafana\/provisioning/);
  });
});
