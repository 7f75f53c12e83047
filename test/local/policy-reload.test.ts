// The approved-server policy named by MCPTAP_SERVER_POLICY, reloaded by a running `mcptap local`
// (the real command in its own process) when the file changes and on SIGHUP, without a restart:
// real MCP servers from npm reached through `mcptap proxy`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { uniqueName, waitFor } from '../support/infra.js';
import { proxiedClient, REPO_ROOT, startLocalProcess, storedSession, type LocalProcess } from './support.js';

const MEMORY_SERVER = {
  command: process.execPath,
  args: [join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')],
};

describe('mcptap local reloads the server policy of MCPTAP_SERVER_POLICY (server-memory through mcptap proxy)', () => {
  let dataDir: string;
  let policyPath: string;
  let local: LocalProcess;
  const run = uniqueName('p');

  const writePolicy = (approved: string[]) =>
    writeFileSync(
      policyPath,
      stringify({ version: 1, servers: approved.map((name) => ({ name, trust: 'first_party' })) }),
    );

  /** Starts server-memory as `name` in a new session, lists its tools, and waits until its catalog is stored. */
  async function connect(name: string): Promise<string> {
    const session = `${run}-${name}`;
    const client = await proxiedClient(dataDir, name, session, MEMORY_SERVER);
    await client.listTools();
    await client.close();
    await waitFor(async () => (await storedSession(dataDir, session)).some((row) => row.kind === 'catalog'), {
      timeoutMs: 30_000,
      description: `the catalog of ${name} stored`,
    });
    return session;
  }

  const policyAlerted = (session: string) =>
    local.stdout.some((line) => line.includes(' server_policy') && line.includes(`session=${session}`));

  const reloads = () => local.stderr.filter((line) => line.includes('detector rules reloaded'));

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mcptap-policy-reload-'));
    policyPath = join(dataDir, 'approved-servers.yaml');
    writePolicy(['files']);
    local = await startLocalProcess(dataDir, ['--listen', '127.0.0.1:0'], {
      MCPTAP_SERVER_POLICY: policyPath,
      MCPTAP_LOCAL_CONSOLE_LISTEN: 'off',
    });
  });

  after(async () => {
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('alerts on a server the policy does not approve', async () => {
    const session = await connect('notes-a');
    await waitFor(() => policyAlerted(session), {
      timeoutMs: 10_000,
      description: 'a server_policy alert for notes-a',
    });
  });

  it('approves a server once the policy file changes, without a restart', async () => {
    writePolicy(['files', 'notes-*']);
    await waitFor(() => reloads().length >= 1, { timeoutMs: 15_000, description: 'the policy reloaded' });
    assert.match(reloads()[0]!, /changed/);
    const session = await connect('notes-b');
    // The catalog is stored after the detectors saw it: an alert would be printed by now.
    assert.equal(policyAlerted(session), false, local.stdout.join('\n'));
  });

  it('reloads on SIGHUP, and a policy that does not parse leaves the previous one in force', async () => {
    writeFileSync(policyPath, 'version: 1\nservers: [{ name: x, trust: trusted }]\n');
    local.child.kill('SIGHUP');
    await waitFor(() => local.stderr.some((line) => line.includes('not reloaded')), {
      timeoutMs: 15_000,
      description: 'the bad policy refused',
    });
    assert.ok(local.stderr.some((line) => line.includes('not reloaded') && line.includes(policyPath)));
    const kept = await connect('notes-c');
    assert.equal(policyAlerted(kept), false, 'the previous policy (notes-* approved) stayed in force');

    writePolicy(['files']);
    const before = reloads().length;
    local.child.kill('SIGHUP');
    await waitFor(() => reloads().length > before, { timeoutMs: 15_000, description: 'the SIGHUP reload' });
    const session = await connect('notes-d');
    await waitFor(() => policyAlerted(session), {
      timeoutMs: 10_000,
      description: 'a server_policy alert for notes-d',
    });
    assert.equal(local.child.exitCode, null, 'mcptap local kept running through SIGHUP');
  });
});
