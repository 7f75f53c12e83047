// `mcptap local` at the command line, as a person meets it: a wrong flag gets the usage, a taken
// port is reported before the store is created, and the terminal shows readable log lines (JSON on
// request).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '../support/infra.js';
import { hostEnv, mcptap, startLocalProcess } from './support.js';

describe('mcptap local command line', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mcptap-local-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('an unknown flag prints the usage and exits 2', async () => {
    const { code, stderr } = await mcptap(['local', '--bogus', '--data', dataDir], hostEnv(dataDir));
    assert.equal(code, 2);
    assert.match(stderr, /mcptap local: Unknown option '--bogus'/);
    assert.match(stderr, /Usage: mcptap local/);
  });

  it('a taken port is reported before the store is created', async () => {
    const taken: Server = await new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => resolve(server));
    });
    const { port } = taken.address() as { port: number };
    const fresh = join(dataDir, 'clash');
    try {
      const { code, stderr } = await mcptap(
        ['local', '--data', fresh, '--listen', `127.0.0.1:${port}`],
        hostEnv(fresh),
      );
      assert.equal(code, 1);
      assert.match(stderr, /EADDRINUSE.*another mcptap local or a collector listens there/);
      assert.equal(existsSync(join(fresh, 'clickhouse')), false, 'no store was created');
    } finally {
      taken.close();
    }
  });

  for (const format of ['text', 'json'] as const) {
    it(`logs ${format === 'text' ? 'readable lines by default' : 'JSON with MCPTAP_LOG_FORMAT=json'}`, async () => {
      const dir = join(dataDir, format);
      const local = await startLocalProcess(
        dir,
        ['--listen', '127.0.0.1:0'],
        format === 'json' ? { MCPTAP_LOG_FORMAT: 'json' } : {},
      );
      try {
        const line = await waitFor(() => local.stderr.find((l) => l.includes('mcptap local running')), {
          description: 'the start line',
        });
        if (format === 'text') {
          assert.match(
            line,
            /^\d\d:\d\d:\d\d\.\d{3} INFO {2}local: mcptap local running url=http:\/\/127\.0\.0\.1:\d+ /,
          );
          assert.ok(
            !local.stderr.some((l) => l.startsWith('{')),
            `no JSON lines:\n${local.stderr.join('\n')}`,
          );
        } else {
          assert.equal((JSON.parse(line) as { msg: string }).msg, 'mcptap local running');
        }
      } finally {
        assert.equal(await local.stop(), 0);
      }
    });
  }
});
