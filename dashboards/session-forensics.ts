import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-frame.js';
import {
  GREEN_ONLY,
  SESSION_DASHBOARD_UID,
  severityColours,
  stat,
  table,
  unit,
  width,
} from './panel-factory.js';
import { variableCondition } from './sql-scope.js';
import { sessionVariable, tenantVariable } from './variables.js';

/**
 * One session, whole: not limited to the time range (a session is read by its key, which leads the
 * tables' sort order, so this stays cheap).
 */
const SESSION = `session_id = \${session:singlequote} AND ${variableCondition('tenant')}`;

const from = (table: string) => `FROM ${table} FINAL WHERE ${SESSION}`;

/**
 * Every stored record of the session in one list. `seq` orders records that share a time the way
 * storage's sessionTimeline does: a turn opens first, then prompt, catalog, resource reads, tool calls
 * (by position in the chain), egress, assistant output, alerts (firing before resolved), and the turn
 * closes last.
 * On 18.16 `time` has whole seconds (the milliseconds are in another column that current servers do
 * not have), so there records of one second are in `seq` order.
 */
const TIMELINE = [
  `SELECT time, toFloat64(if(phase = 'start', 0, 8)) AS seq, concat('turn ', phase) AS kind, turn_id, '' AS server, '' AS name, if(inferred = 1, 'boundary inferred from an idle gap', '') AS detail, text AS content, event_id ${from('turns')}`,
  `SELECT time, toFloat64(1), 'prompt', turn_id, '', '', concat(toString(message_count), ' messages, ', toString(tool_count), ' tools'), messages, event_id ${from('prompt_logs')}`,
  `SELECT time, toFloat64(2), concat('catalog ', catalog_kind), turn_id, server_name, trigger, if(previous_hash != '' AND hash != previous_hash, concat('CHANGED added: ', arrayStringConcat(diff_added, ', '), '; removed: ', arrayStringConcat(diff_removed, ', '), '; changed: ', diff_changed), concat(toString(item_count), ' items, unchanged')), instructions, event_id ${from('catalog_snapshots')}`,
  `SELECT time, toFloat64(3), method, turn_id, server_name, target, if(is_error = 1, concat('error ', error_type), 'ok'), content, event_id ${from('content_reads')}`,
  `SELECT time, 4 + chain_index / 1000000, 'tool call', turn_id, server_name, tool, concat('#', toString(chain_index), if(is_error = 1, concat(' error ', error_type, ': ', error_message), ' ok'), ', ', toString(duration_ms), ' ms'), concat('arguments: ', arguments, ' | result: ', result), event_id ${from('tool_calls')}`,
  `SELECT time, toFloat64(5), concat('egress ', channel), turn_id, server_name, tool, concat(dest_scheme, ' ', dest_host), dest_value, event_id ${from('egress_events')}`,
  `SELECT time, toFloat64(6), 'assistant output', turn_id, '', '', '', text, event_id ${from('assistant_outputs')}`,
  `SELECT time, if(status = 'firing', 7, 7.5), concat('alert ', severity), '', server_name, tool, concat(rule, ' (', status, ')'), summary, fingerprint ${from('alerts')}`,
].join(' UNION ALL ');

export function sessionForensicsDashboard(): Dashboard {
  return buildDashboard({
    uid: SESSION_DASHBOARD_UID,
    title: 'mcptap / Session forensics',
    description:
      "One session's full story: turns, prompts, tool calls with arguments and results, catalog changes, egress and alerts.",
    from: 'now-7d',
    variables: [tenantVariable(), sessionVariable()],
    sections: [
      {
        panels: [
          stat({
            title: 'Session at a glance',
            description: 'Counts for the whole session, whatever the time range.',
            sql: `SELECT (SELECT countIf(phase = 'start') ${from('turns')}) AS turns, (SELECT count() ${from('tool_calls')}) AS tool_calls, (SELECT sum(is_error) ${from('tool_calls')}) AS failed_calls, (SELECT count() ${from('catalog_snapshots')}) AS catalogs, (SELECT count() ${from('egress_events')}) AS egress, (SELECT uniqExact(fingerprint) ${from('alerts')}) AS alerts`,
            size: [24, 4],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          table({
            title: 'Timeline',
            description:
              'Everything recorded for the session in order. kind: turn start/end, prompt, catalog, resources/read, prompts/get, tool call, egress, assistant output, alert. content holds the text as stored (capped, secrets masked); open a cell to read it whole.',
            sql: `SELECT time, kind, turn_id, server, name, detail, content, event_id FROM (${TIMELINE}) ORDER BY time, seq, event_id`,
            size: [24, 14],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: { content: [width(480), { id: 'custom.inspect', value: true }], detail: [width(300)] },
          }),
        ],
      },
      {
        row: 'Details',
        panels: [
          table({
            title: 'Tool calls with arguments and results',
            description:
              'Each tool call of the session in order: its place in the turn, outcome, duration, and the arguments and result as stored.',
            sql: `SELECT time, turn_id, chain_index, server_name, server_version, tool, is_error, error_type, error_message, duration_ms, arguments, result, arguments_bytes, result_bytes ${from('tool_calls')} ORDER BY time, chain_index`,
            size: [24, 10],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: {
              duration_ms: [unit('ms')],
              arguments_bytes: [unit('bytes')],
              result_bytes: [unit('bytes')],
              arguments: [width(320), { id: 'custom.inspect', value: true }],
              result: [width(320), { id: 'custom.inspect', value: true }],
            },
          }),
          table({
            title: 'Prompts',
            description:
              'The full context the model saw in each turn (messages, tool descriptions, results), as JSON.',
            sql: `SELECT time, turn_id, message_count, tool_count, messages_bytes, messages_truncated, messages ${from('prompt_logs')} ORDER BY time, event_id`,
            size: [24, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: {
              messages_bytes: [unit('bytes')],
              messages: [width(600), { id: 'custom.inspect', value: true }],
            },
          }),
          table({
            title: 'Catalog snapshots',
            description:
              'Catalogs the servers listed during the session, with their diff against the previous snapshot.',
            sql: `SELECT time, server_name, server_version, catalog_kind, trigger, item_count, arrayStringConcat(diff_added, ', ') AS added, arrayStringConcat(diff_removed, ', ') AS removed, diff_changed AS changed, substring(hash, 1, 12) AS hash ${from('catalog_snapshots')} ORDER BY time, event_id`,
            size: [24, 7],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          table({
            title: 'Egress',
            description:
              'Outbound destinations found in the session, and the tool call or assistant output they came from.',
            sql: `SELECT time, channel, server_name, tool, dest_scheme, dest_host, dest_port, dest_value, location, source_event_id ${from('egress_events')} ORDER BY time, event_id`,
            size: [24, 7],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          table({
            title: 'Alerts',
            description: 'Alerts raised in the session, with the ids of the events that show the finding.',
            sql: `SELECT time, severity, rule, status, server_name, tool, summary, runbook, arrayStringConcat(evidence_event_ids, ', ') AS evidence ${from('alerts')} ORDER BY time, rule, status`,
            size: [24, 7],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: { severity: severityColours(), summary: [width(420)] },
          }),
        ],
      },
    ],
  });
}
