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
      users: [],
      teams: [],
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
      users: [],
      teams: [],
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

test('adds a USER column once a session has a user', () => {
  const start = Date.UTC(2026, 11, 6, 10, 0, 0);
  const session = {
    tenant: 't',
    first_seen_ms: start,
    last_seen_ms: start,
    hosts: ['laptop'],
    teams: [],
    servers: ['files'],
    events: 3,
    alerts: 0,
    rules: [],
  };
  const text = formatSessionsTable([
    { ...session, session_id: 'a', users: ['alice@example.com'] },
    { ...session, session_id: 'b', users: [] },
  ]);
  assert.equal(
    text,
    [
      'LAST ACTIVITY (UTC)  STARTED (UTC)        SESSION  HOST    USER               SERVERS  EVENTS  ALERTS',
      '2026-12-06 10:00:00  2026-12-06 10:00:00  a        laptop  alice@example.com  files         3  0',
      '2026-12-06 10:00:00  2026-12-06 10:00:00  b        laptop  -                  files         3  0',
    ].join('\n'),
  );
});
