import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from './dashboard-frame.js';
import { barGauge, GREEN_ONLY, sessionLink, steps, table, timeSeries, width } from './panel-factory.js';
import { inRange, scope, TIME_BUCKET } from './sql-scope.js';
import { scopeVariables } from './variables.js';

/**
 * The SSRF class of a destination, '' when it is an ordinary one: cloud metadata, loopback,
 * link-local and private ranges, IPs written as one number or in octal/hex, and schemes that reach
 * local files or legacy protocols. Regex classes (`[.]`) instead of backslash escapes keep the SQL
 * free of escaping rules that differ between ClickHouse versions.
 */
const SSRF_CLASS = `multiIf(
  lower(dest_host) IN ('169.254.169.254', 'metadata.google.internal', 'metadata', 'fd00:ec2::254', '100.100.100.200'), 'cloud metadata',
  match(lower(dest_host), '^(127[.]|0[.]0[.]0[.]0$|localhost$|::1$|[[]::1[]]$)'), 'loopback',
  match(lower(dest_host), '^(169[.]254[.]|fe80:|[[]fe80:)'), 'link-local',
  match(lower(dest_host), '^(10[.]|192[.]168[.]|172[.](1[6-9]|2[0-9]|3[01])[.]|[[]?f[cd][0-9a-f]*:)'), 'private range',
  match(lower(dest_host), '^([0-9]+|0x[0-9a-f]+|0[0-7]+([.][0-9a-fx]+)*|[0-9]+[.][0-9]+|[0-9]+[.][0-9]+[.][0-9]+)$'), 'encoded IP',
  dest_scheme IN ('file', 'gopher', 'dict', 'ftp', 'ldap', 'tftp', 'jar', 'netdoc'), 'unusual scheme',
  '')`;

/**
 * Masked secrets look like `[SECRET:<type>:<fingerprint>]` at rest, `[SECRET:<type>:<fingerprint>:<encoding>]`
 * when the secret was base64-, hex- or URL-encoded (secrets' maskSecrets).
 */
const SECRET_MARK = `'[SECRET:'`;

const egress = `FROM egress_events FINAL WHERE ${inRange('egress_events')}`;

export function egressDashboard(): Dashboard {
  return buildDashboard({
    uid: 'mcptap-egress',
    title: 'mcptap / Egress',
    description:
      'Where data can leave: destinations in tool arguments and in assistant output (links, images).',
    variables: scopeVariables(),
    sections: [
      {
        panels: [
          timeSeries({
            title: 'Egress by destination host',
            description:
              'Outbound destinations found per interval: URLs, e-mail addresses and hosts in tool arguments, links and images in assistant output.',
            sql: `SELECT ${TIME_BUCKET} AS t, dest_host, count() AS events ${egress} GROUP BY t, dest_host ORDER BY t, dest_host`,
            size: [16, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
            stacked: true,
            bars: true,
          }),
          barGauge({
            title: 'Top destinations',
            description: 'The ten destination hosts seen most often in the time range.',
            sql: `SELECT dest_host, count() AS events ${egress} GROUP BY dest_host ORDER BY events DESC, dest_host LIMIT 10`,
            size: [8, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          table({
            title: 'First-seen destinations',
            description:
              'Destination hosts seen for the first time ever (for the tenant) within the time range, with the channels and servers they came through. A new host right after a sensitive read is how exfiltration looks.',
            sql: `SELECT tenant, dest_host, min(time) AS first_seen, max(time) AS last_seen, count() AS events, arrayStringConcat(arraySort(groupUniqArray(channel)), ', ') AS channels, arrayStringConcat(arraySort(groupUniqArray(server_name)), ', ') AS servers FROM egress_events FINAL WHERE ${scope('egress_events')} GROUP BY tenant, dest_host HAVING first_seen >= $__fromTime AND first_seen <= $__toTime ORDER BY first_seen DESC, dest_host`,
            size: [24, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
          }),
          table({
            title: 'SSRF-class targets',
            description:
              'Destinations a tool should not be asked to reach: cloud metadata endpoints, loopback, link-local and private addresses, IPs written as numbers or in octal/hex, and file:/gopher:-style schemes (confused deputy, T04). Each row is red.',
            sql: `SELECT time, tenant, session_id, server_name, tool, target_class, dest_scheme, dest_host, dest_port, dest_value, location FROM (SELECT time, tenant, session_id, server_name, tool, ${SSRF_CLASS} AS target_class, dest_scheme, dest_host, dest_port, dest_value, location ${egress}) WHERE target_class != '' ORDER BY time DESC LIMIT 500`,
            size: [24, 8],
            unit: 'short',
            thresholds: steps(0, 0),
            columns: {
              session_id: sessionLink(),
              target_class: [
                { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
                { id: 'custom.cellOptions', value: { type: 'color-text' } },
              ],
            },
          }),
          table({
            title: 'Secret egress',
            description:
              'Outbound destinations that carried secret material: a secret in the destination itself, or in the arguments of the tool call that sent it (T05). Secrets are masked at rest as [SECRET:type:fingerprint]; with MCPTAP_STORE_SECRETS_UNMASKED=true this panel stays empty.',
            sql: `SELECT time, tenant, session_id, server_name, tool, channel, dest_host, if(position(dest_value, ${SECRET_MARK}) > 0, 'destination', 'tool arguments') AS secret_in, dest_value, source_event_id ${egress} AND (position(dest_value, ${SECRET_MARK}) > 0 OR source_event_id IN (SELECT event_id FROM tool_calls FINAL WHERE ${inRange('tool_calls')} AND position(arguments, ${SECRET_MARK}) > 0)) ORDER BY time DESC LIMIT 500`,
            size: [24, 8],
            unit: 'short',
            thresholds: GREEN_ONLY,
            columns: { session_id: sessionLink(), dest_value: [width(360)] },
          }),
        ],
      },
    ],
  });
}
