import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertFilter } from '../../../local/alert-filter.js';
import { formatAlertLine } from '../../../local/alert-line.js';
import { formatStatusLine, LocalStats } from '../../../local/local-stats.js';
import type { Alert, McpEvent } from '../../../model/index.js';

const alert = (overrides: Partial<Alert> = {}): Alert => ({
  fingerprint: 'f1',
  rule: 'ssrf_target',
  severity: 'high',
  status: 'firing',
  time: '2026-11-24T10:00:01.500Z',
  tenant: 'local',
  host_id: 'h',
  session_id: 's-1',
  user_id: '',
  team: '',
  server_name: 'fetch',
  server_id: 'id',
  tool: 'fetch_url',
  evidence_event_ids: ['e1'],
  summary: 'Tool argument targets cloud metadata 169.254.169.254.',
  runbook: '',
  details: {},
  ...overrides,
});

describe('alert line', () => {
  it('shows time, severity, rule, server, tool, session and the summary on one line', () => {
    assert.equal(
      formatAlertLine(alert()),
      '10:00:01 HIGH     ssrf_target  server=fetch tool=fetch_url session=s-1  Tool argument targets cloud metadata 169.254.169.254.',
    );
  });

  it('names the user the calls were made for, when the host named one', () => {
    assert.match(
      formatAlertLine(alert({ user_id: 'bob@acme.example', team: 'growth' })),
      / session=s-1 user=bob@acme\.example {2}Tool argument/,
    );
  });

  it('never writes terminal escapes, bidi overrides or line breaks from server text', () => {
    const line = formatAlertLine(
      alert({
        summary: 'evil\u001b[2J\u001b]0;owned\u0007 text\u202e\nsecond line',
        server_name: 'a\u001bb',
      }),
    );
    assert.equal(line.includes('\n'), false);
    assert.doesNotMatch(line, /[\p{Cc}\u202e]/u);
    assert.match(line, /server=a b /);
  });

  it('cuts a long summary to one short line and marks resolution', () => {
    const line = formatAlertLine(alert({ summary: 'x'.repeat(1000), status: 'resolved', tool: '' }));
    assert.ok(line.length < 300);
    assert.match(line, /ssrf_target RESOLVED {2}server=fetch session=s-1 {2}x+…$/);
  });
});

describe('alert filter from flags or query strings', () => {
  it("keeps one user's alerts with --user", () => {
    assert.deepEqual(alertFilter({ user: 'bob@acme.example' }), { userId: 'bob@acme.example' });
  });

  it('maps flags to the store filter and rejects a bad severity or limit', () => {
    assert.deepEqual(
      alertFilter({ rule: 'r', severity: 'medium', server: 'fetch', session: 's', limit: '5' }),
      {
        rule: 'r',
        minSeverity: 'medium',
        serverName: 'fetch',
        sessionId: 's',
        limit: 5,
      },
    );
    assert.throws(() => alertFilter({ severity: 'urgent' }), /not one of info, low, medium, high, critical/);
    assert.throws(() => alertFilter({ limit: '0' }), /limit/);
  });
});

describe('status line', () => {
  it('counts servers, sessions, events and firing alerts', () => {
    const stats = new LocalStats(new Date(0));
    const event = (session: string, server: string) =>
      ({ kind: 'tool_call', tenant: 'local', session_id: session, server_name: server }) as McpEvent;
    stats.event(event('s1', 'files'));
    stats.event(event('s1', 'fetch'));
    stats.event(event('s2', 'files'));
    stats.alert(alert());
    stats.alert(alert({ status: 'resolved' }));
    assert.equal(
      formatStatusLine(stats.snapshot()),
      'watching 2 servers (fetch, files) · 2 sessions · 3 events · 1 alert',
    );
    assert.equal(
      formatStatusLine(new LocalStats().snapshot()),
      'watching no servers yet · 0 sessions · 0 events · 0 alerts',
    );
  });
});
