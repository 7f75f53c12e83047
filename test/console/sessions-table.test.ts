import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSessionsTable } from '../../console/sessions-table.js';

test('prints one aligned line per session with its start, host, servers, events and alert rules', () => {
  const start = Date.UTC(2026, 11, 6, 10, 0, 0);
  const text = formatSessionsTable([
    {
      tenant: 't',
      session_id: 'conv-42',
      first_seen_ms: start,
      last_seen_ms: start + 65_000,
      hosts: ['laptop'],
      servers: ['files', 'web'],
      events: 128,
      alerts: 2,
      rules: ['exfil_chain', 'secret_egress'],
    },
    {
      tenant: 't',
      session_id: 'a-much-longer-session-id',
      first_seen_ms: start,
      last_seen_ms: start,
      hosts: [],
      servers: [],
      events: 3,
      alerts: 0,
      rules: [],
    },
  ]);
  assert.equal(
    text,
    [
      'LAST ACTIVITY (UTC)  STARTED (UTC)        SESSION                   HOST    SERVERS    EVENTS  ALERTS',
      '2026-12-06 10:01:05  2026-12-06 10:00:00  conv-42                   laptop  files,web     128  2 (exfil_chain, secret_egress)',
      '2026-12-06 10:00:00  2026-12-06 10:00:00  a-much-longer-session-id  -       -               3  0',
    ].join('\n'),
  );
});
