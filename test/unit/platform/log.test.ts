import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, formatDuration, logFormatFromEnv, roundMs } from '../../../platform/index.js';

describe('logs and durations as people read them', () => {
  it('rounds durations to what is worth reading', () => {
    assert.equal(roundMs(23.18798828125), 23.2);
    assert.equal(roundMs(0.4237), 0.42);
    assert.equal(roundMs(231.7), 232);
    assert.equal(roundMs(12), 12);
    assert.equal(formatDuration(23.18798828125), '23.2 ms');
    assert.equal(formatDuration(12_345), '12.3 s');
    assert.equal(formatDuration(245_000), '4 min 05 s');
  });

  it('text: one readable line with key=value fields, durations rounded', () => {
    const lines: string[] = [];
    const log = createLogger('local', { format: 'text', write: (l) => lines.push(l), fields: { pid: 7 } });
    log.warn('store slow', { took_ms: 23.18798828125, data_dir: '/home/me/my data' });
    assert.match(
      lines[0] ?? '',
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}local: store slow pid=7 took_ms=23\.2 data_dir="\/home\/me\/my data"$/,
    );
  });

  it('json stays available, with the same rounding', () => {
    const lines: string[] = [];
    createLogger('local', { format: 'json', write: (l) => lines.push(l) }).info('x', { took_ms: 1.23456 });
    const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(entry.component, 'local');
    assert.equal(entry.took_ms, 1.2);
    assert.equal(logFormatFromEnv({ MCPTAP_LOG_FORMAT: 'json' }, 'text'), 'json');
    assert.equal(logFormatFromEnv({}, 'text'), 'text');
    assert.equal(logFormatFromEnv({}), 'json');
  });
});
