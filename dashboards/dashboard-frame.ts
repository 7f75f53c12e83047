import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  RowBuilder,
  TimePickerBuilder,
  type Dashboard,
  type Panel,
  type RowPanel,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';

/** What every mcptap dashboard shares: tag, links to its siblings, time picker, stable panel ids. */

export const DASHBOARD_TAG = 'mcptap';

export interface DashboardSection {
  /** A collapsible row title; omitted for the panels at the top. */
  row?: string;
  panels: Builder<Panel>[];
}

export interface DashboardDefinition {
  uid: string;
  title: string;
  description: string;
  /** Default time range (`now-24h` unless set). */
  from?: string;
  variables: Builder<VariableModel>[];
  sections: DashboardSection[];
}

export function buildDashboard(definition: DashboardDefinition): Dashboard {
  const builder = new DashboardBuilder(definition.title)
    .uid(definition.uid)
    .description(definition.description)
    .tags([DASHBOARD_TAG])
    .editable()
    .timezone('browser')
    .time({ from: definition.from ?? 'now-24h', to: 'now' })
    .timepicker(new TimePickerBuilder().refreshIntervals(['30s', '1m', '5m', '15m', '1h']))
    .refresh('1m')
    .link(
      new DashboardLinkBuilder('mcptap')
        .type(DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const variable of definition.variables) builder.withVariable(variable);
  for (const section of definition.sections) {
    // An expanded row holds no panels itself: Grafana renders the panels that follow it.
    if (section.row !== undefined) builder.withRow(new RowBuilder(section.row));
    for (const panel of section.panels) builder.withPanel(panel);
  }
  const dashboard = builder.build();
  numberPanels(dashboard.panels ?? []);
  return dashboard;
}

/** Panel ids in layout order (rows hold no panels here), so links like `viewPanel=3` stay valid between builds. */
function numberPanels(panels: (Panel | RowPanel)[]): void {
  let id = 0;
  for (const panel of panels) panel.id = ++id;
}
