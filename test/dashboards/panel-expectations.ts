// What each panel must return for the dashboard scenario (scenario.ts), viewed for the main tenant
// with host, server and tool on "All", the time range from 1 h before to 1 h after the main session
// and a 60 s interval. Keyed by `<dashboard uid> / <panel title>`; every panel must have an entry.
import assert from 'node:assert/strict';
import type { DashboardScenario } from './scenario.js';

export type Row = Record<string, unknown>;
export type Expectation = (rows: Row[]) => void;

const num = (value: unknown) => Number(value);
/** A ClickHouse DateTime / DateTime64 in text form (the servers run in UTC) as ms since the epoch. */
export const timeMs = (value: unknown) => Date.parse(`${String(value).replace(' ', 'T')}Z`);

function column(rows: Row[], name: string): unknown[] {
  return rows.map((r) => r[name]);
}

export function panelExpectations(s: DashboardScenario): Record<string, Expectation> {
  const t0 = s.startMs;
  const t1 = s.startMs + 60_000;
  return {
    'mcptap-overview / Tool calls': (rows) =>
      assert.deepEqual(
        rows.map((r) => num(r.calls)),
        [6],
      ),
    'mcptap-overview / Sessions': (rows) =>
      assert.deepEqual(
        rows.map((r) => num(r.sessions)),
        [2],
      ),
    'mcptap-overview / Error rate': (rows) => assert.equal(num(rows[0]!.error_rate), 1 / 6),
    'mcptap-overview / Open alerts': (rows) =>
      assert.deepEqual(
        rows.map((r) => num(r.open_alerts)),
        [2],
      ),
    'mcptap-overview / Tool calls over time': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), num(r.calls), num(r.errors)]),
        [
          [t0, 5, 1],
          [t1, 1, 0],
        ],
      ),
    'mcptap-overview / Active sessions over time': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), num(r.sessions)]),
        [
          [t0, 1],
          [t1, 1],
        ],
      ),
    'mcptap-overview / Alerts by severity over time': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), r.severity, num(r.alerts)]),
        [
          [t0, 'critical', 1],
          [t0, 'high', 2],
        ],
      ),
    'mcptap-overview / Error rate over time': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), num(r.error_rate)]),
        [
          [t0, 0.2],
          [t1, 0],
        ],
      ),
    'mcptap-overview / Top servers by tool calls': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.server_name, num(r.calls)]),
        [
          ['files', 3],
          ['web', 2],
          ['weather', 1],
        ],
      ),
    'mcptap-overview / Top tools': (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.server_name, r.tool, num(r.calls), num(r.errors)]),
        [
          ['files', 'read_file', 2, 0],
          ['web', 'fetch', 2, 0],
          ['files', 'list_dir', 1, 0],
          ['weather', 'get_forecast', 1, 1],
        ],
      );
      assert.deepEqual(
        rows.map((r) => num(r.p95_ms)),
        [120, 300, 15, 2500],
      );
      assert.equal(num(rows[3]!.error_rate), 1);
    },

    'mcptap-tool-calls / Calls by server and tool': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), r.server_tool, num(r.calls)]),
        [
          [t0, 'files / read_file', 2],
          [t0, 'weather / get_forecast', 1],
          [t0, 'web / fetch', 2],
          [t1, 'files / list_dir', 1],
        ],
      ),
    'mcptap-tool-calls / Latency quantiles': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), num(r.p50), num(r.p95), num(r.p99), num(r.max)]),
        [
          [t0, 120, 2500, 2500, 2500],
          [t1, 15, 15, 15, 15],
        ],
      ),
    'mcptap-tool-calls / Per tool: volume, errors, latency and sizes': (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.server_name, r.tool, num(r.calls), num(r.p50_ms), num(r.max_ms)]),
        [
          ['files', 'read_file', 2, 120, 120],
          ['web', 'fetch', 2, 300, 300],
          ['files', 'list_dir', 1, 15, 15],
          ['weather', 'get_forecast', 1, 2500, 2500],
        ],
      );
      assert.equal(num(rows[1]!.max_argument_bytes), s.maxArgumentBytes);
    },
    'mcptap-tool-calls / Argument sizes': (rows) => {
      assert.deepEqual(column(rows, 't').map(timeMs), [t0, t1]);
      assert.equal(num(rows[0]!.max_bytes), s.maxArgumentBytes);
    },
    'mcptap-tool-calls / Chain length per turn': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.calls_in_turn, num(r.turns)]),
        [
          ['1', 1],
          ['5', 1],
        ],
      ),
    'mcptap-tool-calls / Longest chains': (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.session_id, num(r.chain_length)]),
        [
          [s.session, 5],
          [s.secondSession, 1],
        ],
      );
      assert.equal(rows[0]!.tools, 'fetch, get_forecast, read_file');
      assert.equal(rows[0]!.tenant, s.tenant);
    },
    'mcptap-tool-calls / Failed calls': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.session_id, r.server_name, r.tool, r.error_type, num(r.duration_ms)]),
        [[s.session, 'weather', 'get_forecast', 'tool_error', 2500]],
      ),
    'mcptap-tool-calls / Largest arguments': (rows) => {
      assert.equal(rows.length, 6);
      assert.deepEqual([rows[0]!.tool, num(rows[0]!.arguments_bytes)], ['fetch', s.maxArgumentBytes]);
      assert.match(String(rows[0]!.arguments_start), /\[SECRET:[a-z_]+:[0-9a-f]+\]/);
    },

    'mcptap-catalog / Catalog drifts over time': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), r.server_name, num(r.drifts)]),
        [[t0, 'files', 1]],
      ),
    'mcptap-catalog / Every drift, with its diff': (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.server_name, r.added, r.removed, r.previous, r.current]),
        [['files', 'send_notes', '', s.hashes.filesBefore.slice(0, 12), s.hashes.filesAfter.slice(0, 12)]],
      );
      assert.deepEqual(JSON.parse(String(rows[0]!.changed)), [
        { name: 'read_file', fields: ['description'] },
      ]);
    },
    'mcptap-catalog / Servers with diverging catalogs across hosts': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.server_name, num(r.catalogs), num(r.hosts), r.host_list]),
        [['files', 2, 2, 'laptop-1, laptop-2']],
      ),
    'mcptap-catalog / Newly seen servers': (rows) =>
      assert.deepEqual(
        // Whole seconds: 18.16 stores the milliseconds apart.
        rows.map((r) => [r.server_name, Math.floor(timeMs(r.first_seen) / 1000) * 1000, num(r.hosts)]),
        [
          ['web', t0 + 7000, 1],
          ['weather', t0 + 2000, 1],
        ],
      ),
    'mcptap-catalog / Lint findings on current catalogs': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.rule, r.severity, r.server_name, r.session_id]),
        [['tool_poisoning', 'high', 'files', s.session]],
      ),

    'mcptap-egress / Egress by destination host': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), r.dest_host, num(r.events)]),
        [
          [t0, '169.254.169.254', 1],
          [t0, 'api.example.com', 1],
          [t0, 'collect.evil.example', 1],
          [t0, 'img.example.org', 1],
        ],
      ),
    'mcptap-egress / Top destinations': (rows) =>
      assert.deepEqual(column(rows, 'dest_host'), [
        '169.254.169.254',
        'api.example.com',
        'collect.evil.example',
        'img.example.org',
      ]),
    'mcptap-egress / First-seen destinations': (rows) =>
      assert.deepEqual(rows.map((r) => [r.dest_host, r.channels, r.servers]).sort(), [
        ['169.254.169.254', 'tool_argument', 'web'],
        ['collect.evil.example', 'tool_argument', 'web'],
        ['img.example.org', 'assistant_image', ''],
      ]),
    'mcptap-egress / SSRF-class targets': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.session_id, r.dest_host, r.target_class, r.tool]),
        [[s.session, '169.254.169.254', 'cloud metadata', 'fetch']],
      ),
    'mcptap-egress / Secret egress': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.dest_host, r.secret_in]),
        [
          ['img.example.org', 'destination'],
          ['collect.evil.example', 'tool arguments'],
        ],
      ),

    'mcptap-alerts / Open and resolved': (rows) =>
      assert.deepEqual(
        rows.map((r) => [num(r.open), num(r.resolved)]),
        [[2, 1]],
      ),
    'mcptap-alerts / By severity': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.severity, num(r.alerts)]),
        [
          ['critical', 1],
          ['high', 2],
        ],
      ),
    'mcptap-alerts / By tenant': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.tenant, num(r.alerts), num(r.critical), num(r.high)]),
        [[s.tenant, 3, 1, 2]],
      ),
    'mcptap-alerts / Alerts by rule over time': (rows) =>
      assert.deepEqual(
        rows.map((r) => [timeMs(r.t), r.rule, num(r.alerts)]),
        [
          [t0, 'exfil_chain', 1],
          [t0, 'ssrf_target', 1],
          [t0, 'tool_poisoning', 1],
        ],
      ),
    'mcptap-alerts / Alerts': (rows) => {
      assert.deepEqual(
        rows.map((r) => [r.rule, r.severity, r.state, r.session_id]),
        [
          ['ssrf_target', 'high', 'resolved', s.session],
          ['exfil_chain', 'critical', 'open', s.session],
          ['tool_poisoning', 'high', 'open', s.session],
        ],
      );
      assert.ok(
        rows.every((r) => r.tenant === s.tenant && String(r.runbook).startsWith('see docs/runbooks/')),
      );
    },

    'mcptap-session / Session at a glance': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.turns, r.tool_calls, r.failed_calls, r.catalogs, r.egress, r.alerts].map(num)),
        [[1, 5, 1, 2, 4, 3]],
      ),
    'mcptap-session / Timeline': (rows) => {
      assert.deepEqual(column(rows, 'kind'), [
        'turn start',
        'prompt',
        'catalog tools',
        'catalog tools',
        'resources/read',
        'tool call',
        'tool call',
        'tool call',
        'tool call',
        'egress tool_argument',
        'tool call',
        'egress tool_argument',
        'assistant output',
        'egress assistant_link',
        'egress assistant_image',
        'turn end',
        'alert critical',
        'alert high',
        'alert high',
        'alert high',
      ]);
      assert.deepEqual(column(rows, 'name').slice(5, 11), [
        'read_file',
        'read_file',
        'get_forecast',
        'fetch',
        'fetch',
        'fetch',
      ]);
      assert.match(String(rows[2]!.detail), /^CHANGED added: send_notes/);
      assert.match(String(rows[7]!.detail), /^#3 error tool_error: upstream timed out, 2500 ms$/);
      assert.deepEqual(column(rows, 'detail').slice(-2), ['ssrf_target (firing)', 'ssrf_target (resolved)']);
    },
    'mcptap-session / Tool calls with arguments and results': (rows) => {
      assert.deepEqual(column(rows, 'chain_index').map(num), [1, 2, 3, 4, 5]);
      assert.equal(rows[0]!.arguments, '{"path":"notes.txt"}');
      assert.match(String(rows[1]!.result), /^aws_access_key_id = \[SECRET:[a-z_]+:[0-9a-f]+\]$/);
    },
    'mcptap-session / Prompts': (rows) =>
      assert.deepEqual(
        rows.map((r) => [num(r.message_count), num(r.tool_count)]),
        [[1, 4]],
      ),
    'mcptap-session / Catalog snapshots': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.server_name, r.added, r.hash]),
        [
          ['files', 'send_notes', s.hashes.filesAfter.slice(0, 12)],
          ['weather', '', s.hashes.weather.slice(0, 12)],
        ],
      ),
    'mcptap-session / Egress': (rows) =>
      assert.deepEqual(column(rows, 'dest_host'), [
        'collect.evil.example',
        '169.254.169.254',
        'api.example.com',
        'img.example.org',
      ]),
    'mcptap-session / Alerts': (rows) =>
      assert.deepEqual(
        rows.map((r) => [r.rule, r.status]),
        [
          ['exfil_chain', 'firing'],
          ['tool_poisoning', 'firing'],
          ['ssrf_target', 'firing'],
          ['ssrf_target', 'resolved'],
        ],
      ),
  };
}

/** What each variable's options query must list (tenant narrowed to the main tenant where it applies). */
export function variableExpectations(s: DashboardScenario): Record<string, string[]> {
  return {
    tenant: [s.tenant, s.otherTenant].sort(),
    host: ['laptop-1', 'laptop-2'],
    user: ['alice@example.com', 'bob@example.com'],
    server: ['files', 'weather', 'web'],
    tool: ['fetch', 'get_forecast', 'list_dir', 'read_file'],
    rule: ['exfil_chain', 'ssrf_target', 'tool_poisoning'],
  };
}
