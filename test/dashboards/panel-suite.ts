// Runs every committed panel and variable query, expanded the way the Grafana ClickHouse plugin
// expands it (plugin-expander.ts), against a store loaded with the dashboard scenario through the
// storage module's own migrations and writer (secrets masked as in production).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboards, type ClickHouseSqlQuery } from '../../dashboards/index.js';
import { migrate, STORE_TABLES, StoreWriter, type Store, type StoreTable } from '../../storage/index.js';
import { maskSecrets } from '../../secrets/index.js';
import { uniqueName } from '../support/infra.js';
import { panelExpectations, variableExpectations, type Row } from './panel-expectations.js';
import { expandPanelSql, type GrafanaRequest, type VariableValue } from './plugin-expander.js';
import { dashboardScenario, type DashboardScenario } from './scenario.js';

export interface PanelTarget {
  /** A store (admin) in a fresh database. */
  store: Store;
  /** Runs SQL the way the data source does: as the reader, tables resolved in the store's database. */
  run(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}

interface PanelQuery {
  key: string;
  rawSql: string;
}

interface VariableQuery {
  name: string;
  query: string;
}

const KEEP_FOREVER = Object.fromEntries(STORE_TABLES.map((t) => [t, 0])) as Record<StoreTable, number>;
const ALL = ['$__all'];

export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const panel of dashboard.panels ?? []) {
    if (panel.type === 'row' || !('targets' in panel)) continue;
    for (const target of panel.targets ?? []) {
      out.push({
        key: `${dashboard.uid} / ${panel.title}`,
        rawSql: (target as unknown as ClickHouseSqlQuery).rawSql,
      });
    }
  }
  return out;
}

function variableQueries(dashboard: Dashboard): VariableQuery[] {
  return (dashboard.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((v) => ({ name: v.name, query: String(v.query) }));
}

function request(s: DashboardScenario, variables: Record<string, VariableValue> = {}): GrafanaRequest {
  return {
    fromMs: s.startMs - 3600_000,
    toMs: s.startMs + 3600_000,
    intervalMs: 60_000,
    variables: {
      tenant: [s.tenant],
      host: ALL,
      user: ALL,
      server: ALL,
      tool: ALL,
      rule: ALL,
      severity: ALL,
      session: s.session,
      ...variables,
    },
  };
}

export function describePanelSuite(label: string, open: () => Promise<PanelTarget>): void {
  const dashboards = buildDashboards().map((f) => f.dashboard);
  const panels = dashboards.flatMap(panelQueries);
  const tenant = uniqueName('dash_tenant');
  // Minute-aligned, so the 60 s buckets are known; a few hours back, inside any retention.
  const startMs = Math.floor((Date.now() - 3 * 3600_000) / 60_000) * 60_000;
  const scenario = dashboardScenario(tenant, `${tenant}_other`, startMs);
  const expectations = panelExpectations(scenario);
  let target: PanelTarget;

  describe(label, () => {
    before(async () => {
      target = await open();
      await migrate(target.store, { retentionDays: KEEP_FOREVER });
      const writer = new StoreWriter(target.store, { mask: maskSecrets });
      await writer.write(scenario.records);
    });
    after(async () => {
      await target.store.client.command({ query: `DROP DATABASE IF EXISTS ${target.store.database}` });
      await target.close();
    });

    it('has an expectation for every panel and a panel for every expectation', () => {
      assert.deepEqual([...new Set(panels.map((p) => p.key))].sort(), Object.keys(expectations).sort());
    });

    for (const panel of panels) {
      it(`panel ${panel.key} returns the expected rows`, async () => {
        const rows = await target.run(expandPanelSql(panel.rawSql, request(scenario)));
        expectations[panel.key]!(rows);
        assert.ok(!JSON.stringify(rows).includes(scenario.secret), 'a panel returned an unmasked secret');
      });
    }

    it('lists the values of every query variable, narrowed by the variables before it', async () => {
      const wanted = variableExpectations(scenario);
      const seen = new Map<string, string[]>();
      for (const variable of dashboards.flatMap(variableQueries)) {
        const narrowing: Record<string, VariableValue> = variable.name === 'tenant' ? { tenant: ALL } : {};
        const rows = await target.run(expandPanelSql(variable.query, request(scenario, narrowing)));
        const values = rows.map((r) => String(r.value ?? r.rule));
        if (variable.name === 'tenant') {
          // Tenants of other tests may share the database server, not this database.
          assert.deepEqual(values, wanted.tenant);
        } else assert.deepEqual(values, wanted[variable.name], `variable ${variable.name}`);
        seen.set(variable.name, values);
      }
      assert.deepEqual([...seen.keys()].sort(), Object.keys(wanted).sort());
    });

    it('counts every tenant when tenant is "All" and one when it is selected', async () => {
      const calls = panels.find((p) => p.key === 'mcptap-overview / Tool calls')!;
      const all = await target.run(expandPanelSql(calls.rawSql, request(scenario, { tenant: ALL })));
      const other = await target.run(
        expandPanelSql(calls.rawSql, request(scenario, { tenant: [scenario.otherTenant] })),
      );
      assert.deepEqual([Number(all[0]!.calls), Number(other[0]!.calls)], [7, 1]);
    });

    it('narrows to the selected user: bob is laptop-2, alice laptop-1', async () => {
      const calls = panels.find((p) => p.key === 'mcptap-overview / Tool calls')!;
      const count = async (variables: Record<string, VariableValue>) =>
        Number((await target.run(expandPanelSql(calls.rawSql, request(scenario, variables))))[0]!.calls);
      assert.equal(await count({ user: ['bob@example.com'] }), await count({ host: ['laptop-2'] }));
      assert.equal(await count({ user: ['alice@example.com'] }), await count({ host: ['laptop-1'] }));
      assert.equal(await count({ user: ['nobody'] }), 0);
    });

    it('shows only the selected host, server and tool on every panel that has them', async () => {
      const selection = { host: ['laptop-1'], server: ['web'], tool: ['fetch'] };
      let checked = 0;
      for (const panel of panels.filter((p) => !p.key.startsWith('mcptap-session'))) {
        const rows = await target.run(expandPanelSql(panel.rawSql, request(scenario, selection)));
        for (const row of rows) {
          if ('host_id' in row) assert.equal(row.host_id, 'laptop-1', panel.key);
          if ('server_name' in row) assert.equal(row.server_name, 'web', panel.key);
          if ('tool' in row) assert.equal(row.tool, 'fetch', panel.key);
          checked++;
        }
      }
      assert.ok(checked > 10, `only ${checked} rows came back with a selection`);
    });

    it('filters the alert list by the severity and rule variables', async () => {
      const list = panels.find((p) => p.key === 'mcptap-alerts / Alerts')!;
      const critical = await target.run(
        expandPanelSql(list.rawSql, request(scenario, { severity: ['critical'] })),
      );
      assert.deepEqual(
        critical.map((r) => r.rule),
        ['exfil_chain'],
      );
      const two = await target.run(
        expandPanelSql(
          list.rawSql,
          request(scenario, { rule: ['ssrf_target', 'tool_poisoning'], severity: ['high'] }),
        ),
      );
      assert.deepEqual(
        two.map((r) => r.rule),
        ['ssrf_target', 'tool_poisoning'],
      );
    });

    it('shows no session for a session id that quotes its way out of the string', async () => {
      const timeline = panels.find((p) => p.key === 'mcptap-session / Timeline')!;
      const rows = await target.run(
        expandPanelSql(timeline.rawSql, request(scenario, { session: `${scenario.session}' OR '1'='1` })),
      );
      assert.deepEqual(rows, []);
    });
  });
}
