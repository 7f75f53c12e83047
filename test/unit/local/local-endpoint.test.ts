import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  defaultDataDir,
  localApiKey,
  localCollector,
  readShimConfig,
  writeLocalEndpoint,
} from '../../../shim/index.js';

const root = mkdtempSync(join(tmpdir(), 'mcptap-endpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('finding mcptap local with no configuration', () => {
  it('puts the data directory under MCPTAP_DATA_DIR, else XDG_DATA_HOME, else ~/.local/share', () => {
    assert.equal(defaultDataDir({ MCPTAP_DATA_DIR: '/d', XDG_DATA_HOME: '/x' }), '/d');
    assert.equal(defaultDataDir({ XDG_DATA_HOME: '/x' }), '/x/mcptap');
    assert.match(defaultDataDir({}), /\/\.local\/share\/mcptap$/);
  });

  it('creates the API key once, readable by the user only, and returns the same key afterwards', () => {
    const dir = join(root, 'key');
    const key = localApiKey(dir);
    assert.match(key, /^[0-9a-f]{48}$/);
    assert.equal(statSync(join(dir, 'api-key')).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(localApiKey(dir), key);
  });

  it('makes a data directory, key and endpoint file that were open to others private, keeping the key', () => {
    const dir = join(root, 'open');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'api-key'), 'k'.repeat(48) + '\n', { mode: 0o644 });
    writeFileSync(join(dir, 'local.json'), '{}\n', { mode: 0o666 });
    chmodSync(join(dir, 'local.json'), 0o666);
    assert.equal(localApiKey(dir), 'k'.repeat(48));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'api-key')).mode & 0o777, 0o600);
    writeLocalEndpoint(dir, {
      pid: 1,
      url: 'http://127.0.0.1:5555',
      controlUrl: 'http://127.0.0.1:5556',
      startedAt: '',
    });
    assert.equal(statSync(join(dir, 'local.json')).mode & 0o777, 0o600);
  });

  it('sends to the running instance when it published its endpoint, else to the default port', () => {
    const dir = join(root, 'endpoint');
    assert.equal(localCollector(dir).url, 'http://127.0.0.1:4318');
    writeLocalEndpoint(dir, {
      pid: 1,
      url: 'http://127.0.0.1:5555',
      controlUrl: 'http://127.0.0.1:5556',
      startedAt: '',
    });
    assert.deepEqual(localCollector(dir), { url: 'http://127.0.0.1:5555', apiKey: localApiKey(dir) });
  });

  it('uses mcptap local only when neither a collector URL nor an API key is configured', () => {
    assert.equal(readShimConfig({}).collectorConfigured, false);
    assert.equal(readShimConfig({ MCPTAP_COLLECTOR_URL: 'http://c:4318' }).collectorConfigured, true);
    assert.equal(readShimConfig({ MCPTAP_API_KEY: 'k' }).collectorConfigured, true);
    assert.equal(readShimConfig({ MCPTAP_DATA_DIR: '/d' }).dataDir, '/d');
  });
});
