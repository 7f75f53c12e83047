import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportFailureAdvice } from '../../../shim/export-failure-advice.js';

describe('what a proxy says when its telemetry is dropped', () => {
  const local = {
    url: 'http://127.0.0.1:4318',
    local: true as const,
    dataDir: '/home/me/.local/share/mcptap',
  };

  it('no mcptap local: start it, or give the server MCPTAP_DATA_DIR in the host config', () => {
    const text = exportFailureAdvice('files', local, {
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED',
    });
    assert.match(
      text,
      /^mcptap proxy \(files\): telemetry is being dropped: no mcptap local answers at http:\/\/127\.0\.0\.1:4318 \(ECONNREFUSED; looked in \/home\/me/,
    );
    assert.match(text, /Start `mcptap local`; if it runs already, set MCPTAP_DATA_DIR/);
  });

  it('key refused by local: another data directory', () => {
    assert.match(
      exportFailureAdvice('files', local, { status: 401, message: 'Unauthorized' }),
      /refused the key of \/home\/me\/\.local\/share\/mcptap \(HTTP 401\); it runs on another data directory/,
    );
  });

  it('a configured collector: the key or the URL to check', () => {
    const collector = { url: 'https://mcptap.example.internal', local: false as const };
    assert.match(exportFailureAdvice('x', collector, { status: 401, message: '' }), /set MCPTAP_API_KEY/);
    assert.match(
      exportFailureAdvice('x', collector, { code: 'ENOTFOUND', message: '' }),
      /\(ENOTFOUND\): check --collector or MCPTAP_COLLECTOR_URL/,
    );
  });
});
