import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-frame.js';
import { barChart, GREEN_ONLY, sessionLink, steps, table, timeSeries, unit, width } from './panel-factory.js';
import { inRange, TIME_BUCKET } from './sql-scope.js';
import { scopeVariables } from './variables.js';

/** Latency above which a call is slow (orange) or very slow (red), in ms. */
const LATENCY_STEPS = steps(1000, 5000);
/** Argument sizes worth a look (64 KiB) and alarming (1 MiB): bulk data leaving through a tool. */
const ARGUMENT_BYTES_STEPS = steps(64 * 1024, 1024 * 1024);
/** Tool calls in one user turn: long agentic loops are orange from 10, red from 25. */
const CHAIN_STEPS = steps(10, 25);

const calls = `FROM tool_calls FINAL WHERE ${inRange('tool_calls')}`;

/** Calls per user turn. Filtered in a subquery: `any(host_id) AS host_id` would replace the column in WHERE. */
const chainsPerTurn = `SELECT tenant, session_id, turn_id, any(host_id) AS host_id, max(chain_index) AS chain_length, arrayStringConcat(arraySort(groupUniqArray(tool)), ', ') AS tools, min(time) AS started FROM (SELECT tenant, session_id, turn_id, host_id, chain_index, tool, time ${calls} AND turn_id != '') GROUP BY tenant, session_id, turn_id`;

export function toolCallsDashboard(): Dashboard {
  return buildDashboard({
    uid: 'mcptap-tool-calls',
    title: 'mcptap / Tool calls',
    description: 'Volume, latency, argument sizes and chain lengths of tool calls, by server and tool.',
    variables: scopeVariables(),
    sections: [
      {
        panels: [
          timeSeries({
            title: 'Calls by server and tool',
            description: 'Tool calls per interval, one series per server / tool.',
            sql: `SELECT ${TIME_BUCKET} AS t, concat(server_name, ' / ', tool) AS server_tool, count() AS calls ${calls} GROUP BY t, server_tool ORDER BY t, server_tool`,
            size: [12, 9],
            unit: 'short',
            thresholds: GREEN_ONLY,
            stacked: true,
          }),
          timeSeries({
            title: 'Latency quantiles',
            description:
              'Tool call duration (request to response, as the host saw it) per interval: median, 95th and 99th percentile and maximum. Orange from 1 s, red from 5 s.',
            sql: `SELECT ${TIME_BUCKET} AS t, quantileExact(0.5)(duration_ms) AS p50, quantileExact(0.95)(duration_ms) AS p95, quantileExact(0.99)(duration_ms) AS p99, max(duration_ms) AS max ${calls} GROUP BY t ORDER BY t`,
            size: [12, 9],
            unit: 'ms',
            thresholds: LATENCY_STEPS,
          }),
          table({
            title: 'Per tool: volume, errors, latency and sizes',
            description:
              'One row per server and tool. Argument and result sizes are of the full content, before it was capped for storage.',
            sql: `SELECT server_name, tool, count() AS calls, sum(is_error) AS errors, sum(is_error) / count() AS error_rate, quantileExact(0.5)(duration_ms) AS p50_ms, quantileExact(0.95)(duration_ms) AS p95_ms, max(duration_ms) AS max_ms, avg(arguments_bytes) AS avg_argument_bytes, max(arguments_bytes) AS max_argument_bytes, avg(result_bytes) AS avg_result_bytes ${calls} GROUP BY server_name, tool ORDER BY calls DESC, server_name, tool`,
            size: [24, 8],
            unit: 'short',
            thresholds: LATENCY_STEPS,
            columns: {
              error_rate: [unit('percentunit')],
              p50_ms: [unit('ms')],
              p95_ms: [unit('ms'), { id: 'custom.cellOptions', value: { type: 'color-text' } }],
              max_ms: [unit('ms')],
              avg_argument_bytes: [unit('bytes')],
              max_argument_bytes: [unit('bytes')],
              avg_result_bytes: [unit('bytes')],
            },
          }),
          timeSeries({
            title: 'Argument sizes',
            description:
              'Average and largest tool-call arguments per interval. Large arguments can be data leaving through a tool: orange from 64 KiB, red from 1 MiB.',
            sql: `SELECT ${TIME_BUCKET} AS t, avg(arguments_bytes) AS avg_bytes, max(arguments_bytes) AS max_bytes ${calls} GROUP BY t ORDER BY t`,
            size: [12, 8],
            unit: 'bytes',
            thresholds: ARGUMENT_BYTES_STEPS,
          }),
          barChart({
            title: 'Chain length per turn',
            description:
              'How many user turns made 1, 2, 3 … tool calls without the user speaking in between. A long tail is an agent looping on its own.',
            sql: `SELECT toString(chain_length) AS calls_in_turn, count() AS turns FROM (${chainsPerTurn}) GROUP BY chain_length ORDER BY chain_length`,
            size: [12, 8],
            unit: 'short',
            thresholds: CHAIN_STEPS,
          }),
        ],
      },
      {
        row: 'Individual calls',
        panels: [
          table({
            title: 'Longest chains',
            description:
              'The user turns with the most tool calls. Orange from 10, red from 25 calls in one turn; click a session to see the turn.',
            sql: `SELECT started, tenant, session_id, turn_id, host_id, chain_length, tools FROM (${chainsPerTurn}) ORDER BY chain_length DESC, started DESC LIMIT 20`,
            size: [24, 8],
            unit: 'short',
            thresholds: CHAIN_STEPS,
            columns: {
              session_id: sessionLink(),
              chain_length: [{ id: 'custom.cellOptions', value: { type: 'color-background' } }, width(110)],
            },
          }),
          table({
            title: 'Failed calls',
            description:
              'The latest tool calls that failed: error_type is the JSON-RPC error code, or tool_error when the tool reported isError.',
            sql: `SELECT time, tenant, session_id, host_id, server_name, tool, error_type, error_message, duration_ms ${calls} AND is_error = 1 ORDER BY time DESC LIMIT 100`,
            size: [24, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: { session_id: sessionLink(), duration_ms: [unit('ms')] },
          }),
          table({
            title: 'Largest arguments',
            description:
              'The tool calls with the largest arguments, with the start of the arguments (secrets are masked at rest).',
            sql: `SELECT time, tenant, session_id, server_name, tool, arguments_bytes, substring(arguments, 1, 300) AS arguments_start ${calls} ORDER BY arguments_bytes DESC, time DESC LIMIT 20`,
            size: [24, 8],
            unit: 'short',
            thresholds: ARGUMENT_BYTES_STEPS,
            columns: {
              session_id: sessionLink(),
              arguments_bytes: [unit('bytes'), { id: 'custom.cellOptions', value: { type: 'color-text' } }],
            },
          }),
        ],
      },
    ],
  });
}
