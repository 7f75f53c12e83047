import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProxyLines, LocalStats, PROXY_SEEN_WINDOW_MS } from '../../../local/local-stats.js';

const beat = {
  server: 'files',
  session: 'claude-0123456789abcdef',
  host_id: 'laptop',
  pid: 42,
  started_at: '',
};

describe('proxies in mcptap status', () => {
  it('lists a proxy with the drops its last heartbeat reported, and forgets it after 15 minutes', () => {
    let now = Date.parse('2026-12-06T10:00:00Z');
    const stats = new LocalStats(new Date(now), () => now);
    stats.proxyHeartbeat({ ...beat, spans_dropped: 3, spans_delivered: 10 });
    const [seen] = stats.snapshot().proxies;
    assert.deepEqual(seen, {
      server: 'files',
      session: beat.session,
      host_id: 'laptop',
      last_contact: '2026-12-06T10:00:00.000Z',
      events: 0,
      spans_dropped: 3,
      spans_delivered: 10,
      pid: 42,
    });
    assert.match(
      formatProxyLines(stats.snapshot().proxies, now + 5000).join('\n'),
      /files · .* · last contact 5 s ago · 0 events received · 3 DROPPED/,
    );
    now += PROXY_SEEN_WINDOW_MS + 1;
    assert.deepEqual(stats.snapshot().proxies, []);
    assert.match(formatProxyLines([], now)[0] ?? '', /none heard from/);
  });
});
