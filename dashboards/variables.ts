import {
  CustomVariableBuilder,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { SEVERITIES } from '../model/index.js';
import { CLICKHOUSE } from './datasource.js';
import { scope, type ScopedTable, type ScopeVariable } from './sql-scope.js';

/**
 * Dashboard variables. Each scope variable lists the values seen in the time range, narrowed by the
 * variables before it (tenant → host → user → server → tool), multi-select with "All".
 */

function distinctValues(
  column: string,
  tables: readonly ScopedTable[],
  narrowedBy: readonly ScopeVariable[],
): string {
  const parts = tables.map((table) => {
    const conditions = [`$__timeFilter(time)`, scope(table, narrowedBy)].filter((c) => c !== '');
    return `SELECT ${column} AS value FROM ${table} WHERE ${conditions.join(' AND ')}`;
  });
  return `SELECT DISTINCT value FROM (${parts.join(' UNION ALL ')}) WHERE value != '' ORDER BY value`;
}

function scopeVariable(
  name: ScopeVariable,
  label: string,
  description: string,
  column: string,
  tables: readonly ScopedTable[],
  narrowedBy: readonly ScopeVariable[],
): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(CLICKHOUSE)
    .query(distinctValues(column, tables, narrowedBy))
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

const EVERYWHERE: readonly ScopedTable[] = ['tool_calls', 'catalog_snapshots', 'egress_events', 'alerts'];

export const tenantVariable = (): QueryVariableBuilder =>
  scopeVariable(
    'tenant',
    'Tenant',
    'Tenant (from the host API key) whose data is shown.',
    'tenant',
    EVERYWHERE,
    [],
  );

export const hostVariable = (): QueryVariableBuilder =>
  scopeVariable(
    'host',
    'Host',
    'Installation (host process) that observed the events.',
    'host_id',
    EVERYWHERE,
    ['tenant'],
  );

export const userVariable = (): QueryVariableBuilder =>
  scopeVariable(
    'user',
    'User',
    'User (or agent / service principal) the calls were made for, as the host asserted it (not authenticated).',
    'user_id',
    EVERYWHERE,
    ['tenant', 'host'],
  );

export const serverVariable = (): QueryVariableBuilder =>
  scopeVariable(
    'server',
    'MCP server',
    'MCP server, by the logical name the host gave it in its MCP config.',
    'server_name',
    EVERYWHERE,
    ['tenant', 'host'],
  );

export const toolVariable = (): QueryVariableBuilder =>
  scopeVariable(
    'tool',
    'Tool',
    'Tool name, as called.',
    'tool',
    ['tool_calls'],
    ['tenant', 'host', 'server'],
  );

/** The scope variables, in the order they narrow each other. */
export function scopeVariables(): QueryVariableBuilder[] {
  return [tenantVariable(), hostVariable(), userVariable(), serverVariable(), toolVariable()];
}

/** The session a forensics view shows; set by the data links of the other dashboards. */
export const sessionVariable = (): TextBoxVariableBuilder =>
  new TextBoxVariableBuilder('session')
    .label('Session')
    .description(
      "The host conversation's session id (gen_ai.conversation.id); follow a link from any alert or tool call.",
    )
    .defaultValue('');

/** Alert rules raised in the time range (Alerts dashboard). */
export const ruleVariable = (): QueryVariableBuilder =>
  new QueryVariableBuilder('rule')
    .label('Rule')
    .description('Detector rule that raised the alert.')
    .datasource(CLICKHOUSE)
    .query(
      `SELECT DISTINCT rule FROM alerts WHERE $__timeFilter(time) AND ${scope('alerts', ['tenant'])} ORDER BY rule`,
    )
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] });

export const severityVariable = (): CustomVariableBuilder =>
  new CustomVariableBuilder('severity')
    .label('Severity')
    .description('Alert severity, from info to critical.')
    .values(SEVERITIES.join(','))
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] });
