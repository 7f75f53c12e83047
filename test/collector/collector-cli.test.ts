// `mcptap collector` as a process: hash-key, and a graceful stop on SIGTERM with the real Kafka of
// scripts/infra.sh.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashApiKey } from '../../collector/index.js';
import { ensureInfra, uniqueName, waitFor } from '../support/infra.js';
import { otlpProtobufBody } from './otel-sdk.js';
import { sampleEvents } from './sample-events.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(REPO_ROOT, 'cli', 'mcptap.ts');

describe('mcptap collector (process)', () => {
  it('hash-key prints the SHA-256 of the key read from stdin, and refuses a key on the command line', () => {
    const ok = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'collector', 'hash-key'], {
      cwd: REPO_ROOT,
      input: 's3cret\n',
      encoding: 'utf8',
    });
    assert.equal(ok.status, 0);
    assert.equal(ok.stdout.trim(), hashApiKey('s3cret'));
    const refused = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'collector', 'hash-key', 's3cret'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    assert.equal(refused.status, 2);
    assert.doesNotMatch(refused.stdout + refused.stderr, /s3cret/);
  });

  it('exits 2 naming the variable when no API key is configured', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'collector'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, MCPTAP_COLLECTOR_API_KEYS: '', MCPTAP_COLLECTOR_API_KEYS_FILE: '' },
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /MCPTAP_COLLECTOR_API_KEYS/);
  });

  it('serves, then on SIGTERM stops accepting, disconnects from Kafka and exits 0; logs carry no key', async () => {
    const { kafkaBrokers } = await ensureInfra(['kafka']);
    const key = `cli-key-${uniqueName('k')}`;
    const port = 15318 + (process.pid % 1000);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'collector'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MCPTAP_KAFKA_BROKERS: kafkaBrokers.join(','),
        MCPTAP_TOPIC_PREFIX: uniqueName('collector_cli'),
        MCPTAP_COLLECTOR_LISTEN: `127.0.0.1:${port}`,
        MCPTAP_COLLECTOR_API_KEYS: `${uniqueName('tenant')}:${hashApiKey(key)}`,
        MCPTAP_LOG_LEVEL: 'debug',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => (await fetch(`${base}/readyz`)).ok, {
        timeoutMs: 60_000,
        description: 'collector ready',
      });
      const res = await fetch(`${base}/v1/traces`, {
        method: 'POST',
        body: Buffer.from(await otlpProtobufBody(sampleEvents())),
        headers: { 'content-type': 'application/x-protobuf', 'x-mcptap-api-key': key },
      });
      assert.equal(res.status, 200, `the collector accepted the request; its log:\n${logs.slice(-4000)}`);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.match(logs, /"msg":"collector stopped"/);
    assert.ok(!logs.includes(key), 'the API key never appears in logs');
  });
});
