import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultProxySession,
  findHostProcess,
  isLauncher,
  parseProcStat,
  type ProcReader,
} from '../../../shim/host-session.js';

/** A process table: pid → [comm, ppid, start time, argv]. */
function procTable(table: Record<number, [string, number, string, string[]]>): ProcReader {
  return {
    stat: (pid) => {
      const row = table[pid];
      if (row === undefined) return undefined;
      const [comm, ppid, start] = row;
      const after = ['S', String(ppid), ...Array.from({ length: 17 }, () => '0'), start, '0', '0'];
      return `${pid} (${comm}) ${after.join(' ')}\n`;
    },
    cmdline: (pid) => table[pid]?.[3].join('\0'),
  };
}

describe('host session of mcptap proxy', () => {
  it('parses a stat line whose process name holds spaces and parentheses', () => {
    const line = `4242 (my (odd) host) S 17 ${Array.from({ length: 17 }, () => '0').join(' ')} 987654 0 0\n`;
    assert.deepEqual(parseProcStat(line), {
      pid: 4242,
      comm: 'my (odd) host',
      ppid: 17,
      startTime: '987654',
    });
    assert.equal(parseProcStat('garbage'), undefined);
  });

  it('counts shells, npx, npm exec and tsx as launchers, not a node host', () => {
    assert.equal(isLauncher('sh'), true);
    assert.equal(isLauncher('npm exec @mcpt'), true);
    assert.equal(isLauncher('node', ['node', '/usr/lib/node_modules/npm/bin/npx-cli.js', 'mcptap']), true);
    assert.equal(isLauncher('node', ['node', '/x/node_modules/tsx/dist/cli.mjs', 'a.ts']), true);
    assert.equal(isLauncher('node', ['node', '--import', 'tsx', '/srv/my-agent.js']), false);
    assert.equal(isLauncher('claude', ['claude']), false);
  });

  it('walks past npx and sh -c to the host, so that its proxies share one session', () => {
    const proc = procTable({
      100: ['claude', 1, '5000', ['claude']],
      200: ['npm exec mcpta', 100, '5100', ['npm exec mcptap']],
      300: ['sh', 200, '5101', ['sh', '-c', 'mcptap proxy']],
      210: ['node', 100, '5200', ['node', '/usr/lib/node_modules/npm/bin/npx-cli.js', '-y', 'mcptap']],
    });
    assert.deepEqual(findHostProcess(300, proc), { pid: 100, name: 'claude', started: '5000' });
    const viaShell = defaultProxySession('laptop', 300, 0, proc);
    assert.equal(defaultProxySession('laptop', 210, 0, proc), viaShell);
    assert.equal(defaultProxySession('laptop', 100, 0, proc), viaShell);
    assert.match(viaShell, /^claude-[0-9a-f]{16}$/);
  });

  it('gives another host process, a reused pid or another machine another session', () => {
    const first = procTable({ 100: ['cursor', 1, '5000', ['cursor']] });
    const reused = procTable({ 100: ['cursor', 1, '9000', ['cursor']] });
    const other = procTable({ 101: ['cursor', 1, '5000', ['cursor']] });
    const session = defaultProxySession('laptop', 100, 0, first);
    assert.notEqual(defaultProxySession('laptop', 100, 0, reused), session);
    assert.notEqual(defaultProxySession('laptop', 101, 0, other), session);
    assert.notEqual(defaultProxySession('desktop', 100, 0, first), session);
  });

  it('falls back to the parent pid and the hour without /proc', () => {
    const none: ProcReader = { stat: () => undefined, cmdline: () => undefined };
    const hour = 3_600_000;
    assert.equal(
      defaultProxySession('h', 77, 5 * hour + 1, none),
      defaultProxySession('h', 77, 5 * hour + 999, none),
    );
    assert.notEqual(
      defaultProxySession('h', 77, 5 * hour, none),
      defaultProxySession('h', 77, 6 * hour, none),
    );
    assert.match(defaultProxySession('h', 77, 0, none), /^host-[0-9a-f]{16}$/);
  });
});
