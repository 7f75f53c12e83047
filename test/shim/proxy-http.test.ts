// `mcptap proxy --url … --listen …` (the real command) in front of the real server-everything's
// Streamable HTTP transport (SSE responses, Mcp-Session-Id): a real SDK client gets the same
// results as when it connects directly, and the proxy records and exports what passed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parseTranscriptLine, type WireLine } from '../../shim/index.js';
import {
  EVERYTHING,
  freePort,
  MCPTAP_BIN,
  REPO_ROOT,
  ofKind,
  otlpJsonReceiver,
  waitFor,
  waitForPort,
  type OtlpReceiver,
} from './support.js';

async function converse(url: URL) {
  const transport = new StreamableHTTPClientTransport(url);
  const client = new Client({ name: 'http-compare', version: '1.0.0' });
  await client.connect(transport);
  const sessionId = transport.sessionId;
  const results = [
    await client.listTools(),
    await client.callTool({ name: 'echo', arguments: { message: 'through http' } }),
    await client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }),
    await client
      .callTool({ name: 'no-such-tool', arguments: {} })
      .catch((error: unknown) => ({ error: String(error) })),
    await client.readResource({ uri: 'demo://resource/static/document/features.md' }),
  ];
  await transport.terminateSession();
  await client.close();
  return { results, sessionId };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('mcptap proxy (Streamable HTTP) with server-everything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-http-proxy-'));
  const transcript = join(dir, 'http.jsonl');
  let server: ChildProcess;
  let proxy: ChildProcess;
  let receiver: OtlpReceiver;
  let upstream: URL;
  let proxied: URL;
  let proxiedSessionId: string | undefined;

  /**
   * The real `mcptap proxy` in front of the upstream server, exporting to the receiver; with no
   * session, the proxy's default.
   */
  const startProxy = (
    port: number,
    session: string | undefined,
    extra: string[] = [],
    name = 'everything-http',
  ) =>
    spawn(
      process.execPath,
      [
        MCPTAP_BIN,
        'proxy',
        '--name',
        name,
        '--url',
        upstream.href,
        '--listen',
        `127.0.0.1:${port}`,
        ...(session === undefined ? [] : ['--session', session]),
        '--collector',
        receiver.url,
        ...extra,
      ],
      {
        env: { ...process.env, MCPTAP_API_KEY: 'http-key', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' },
        stdio: 'ignore',
      },
    );

  before(async () => {
    receiver = await otlpJsonReceiver();
    const serverPort = await freePort();
    server = spawn(EVERYTHING.command, [...(EVERYTHING.args ?? []).slice(0, -1), 'streamableHttp'], {
      env: { ...process.env, PORT: String(serverPort) },
      stdio: 'ignore',
    });
    await waitForPort(serverPort);
    upstream = new URL(`http://127.0.0.1:${serverPort}/mcp`);
    const proxyPort = await freePort();
    proxy = startProxy(proxyPort, 'http-proxy-test', ['--record', transcript]);
    await waitForPort(proxyPort);
    proxied = new URL(`http://127.0.0.1:${proxyPort}/mcp`);
  });
  after(async () => {
    await stop(proxy);
    await stop(server);
    await receiver.close();
  });

  it('gives the client the same results as a direct connection, session header and SSE included', async () => {
    const direct = await converse(upstream);
    const through = await converse(proxied);
    proxiedSessionId = through.sessionId;
    assert.deepEqual(through.results, direct.results);
    assert.match(through.sessionId ?? '', /^[0-9a-f-]{36}$/);
  });

  it('records the exchange and exports its spans when stopped', async () => {
    await stop(proxy);
    const lines = readFileSync(transcript, 'utf8').trim().split('\n').map(parseTranscriptLine) as WireLine[];
    const methods = lines.filter((l) => l.dir === 'c2s').map((l) => (l.msg as { method?: string }).method);
    assert.deepEqual(methods.filter((m) => m === 'tools/call').length, 3);
    const responses = lines.filter((l) => l.dir === 's2c' && 'id' in l.msg);
    assert.ok(
      responses.length >= 6,
      `expected the responses (initialize, list, 3 calls, read), got ${responses.length}`,
    );
    await waitFor(() => ofKind(receiver.events, 'tool_call').length >= 3, 10_000);
    const calls = ofKind(receiver.events, 'tool_call');
    assert.deepEqual(
      calls.map((c) => [c.tool, c.is_error, c.server_name]),
      [
        ['echo', false, 'everything-http'],
        ['get-sum', false, 'everything-http'],
        ['no-such-tool', true, 'everything-http'],
      ],
    );
    assert.equal(calls[0]?.result.text, 'Echo: through http');
    const [tools] = ofKind(receiver.events, 'catalog');
    assert.equal(tools?.trigger, 'initialize');
    assert.ok(receiver.apiKeys.every((key) => key === 'http-key'));
    assert.ok(
      calls.every((c) => c.session_id === `http-proxy-test/${proxiedSessionId}`),
      `every event in the MCP session's own session: ${calls.map((c) => c.session_id).join(', ')}`,
    );
  });

  it('keeps two clients apart: each MCP session is a session of its own, with its own request ids', async () => {
    const port = await freePort();
    const second = startProxy(port, 'shared-proxy');
    try {
      await waitForPort(port);
      const url = new URL(`http://127.0.0.1:${port}/mcp`);
      // Both clients number their requests from 0, so their ids collide on the wire.
      const clients = await Promise.all(
        ['alpha', 'beta'].map(async (name) => {
          const transport = new StreamableHTTPClientTransport(url);
          const client = new Client({ name, version: '1.0.0' });
          await client.connect(transport);
          return { name, client, transport };
        }),
      );
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          clients.map(({ name, client }) =>
            client.callTool({ name: 'echo', arguments: { message: `${name} ${round}` } }),
          ),
        );
      }
      const sessions = new Map(
        clients.map(({ name, transport }) => [`shared-proxy/${transport.sessionId}`, name]),
      );
      for (const { client, transport } of clients) {
        await transport.terminateSession();
        await client.close();
      }
      await stop(second);
      const calls = ofKind(receiver.events, 'tool_call').filter((c) =>
        c.session_id.startsWith('shared-proxy'),
      );
      assert.equal(calls.length, 6);
      assert.equal(sessions.size, 2);
      for (const call of calls) {
        const name = sessions.get(call.session_id);
        assert.ok(name !== undefined, `session ${call.session_id} is one of the clients' MCP sessions`);
        assert.match(call.arguments.text, new RegExp(name));
        assert.match(call.result.text, new RegExp(`^Echo: ${name} \\d$`));
      }
    } finally {
      await stop(second);
    }
  });

  it('by default makes each client process one session across servers, and keeps two clients apart', async () => {
    // Two servers (two proxies, no --session) and two client processes: one talks to both, the
    // other to one. Each client's MCP sessions with the two servers differ; its process does not.
    const ports = [await freePort(), await freePort()];
    const proxies = ports.map((port, index) => startProxy(port, undefined, [], `http-server-${index}`));
    try {
      await Promise.all(ports.map((port) => waitForPort(port)));
      const [one, two] = ports.map((port) => `http://127.0.0.1:${port}/mcp`);
      const client = (label: string, urls: string[]) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', join(REPO_ROOT, 'test', 'shim', 'http-client.ts'), label, ...urls],
            { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
          );
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.once('exit', (code) =>
            code === 0 ? resolve(Number(out.trim())) : reject(new Error(`client ${label} exited ${code}`)),
          );
        });
      const [both, single] = await Promise.all([client('both', [one!, two!]), client('single', [one!])]);
      assert.ok(both > 0 && single > 0 && both !== single);
      for (const proxy of proxies) await stop(proxy);
      const calls = ofKind(receiver.events, 'tool_call').filter((c) =>
        c.server_name.startsWith('http-server-'),
      );
      const sessionsOf = (label: string) =>
        new Set(calls.filter((c) => c.arguments.text.includes(`"${label} `)).map((c) => c.session_id));
      assert.deepEqual(calls.map((c) => `${c.server_name} ${c.result.text}`).sort(), [
        'http-server-0 Echo: both 0',
        'http-server-0 Echo: single 0',
        'http-server-1 Echo: both 1',
      ]);
      const [bothSession] = sessionsOf('both');
      const [singleSession] = sessionsOf('single');
      assert.equal(sessionsOf('both').size, 1, 'one client process, two servers: one session');
      // Named after the client's host process, as a stdio proxy that host started would name it.
      assert.match(bothSession ?? '', /^node-[0-9a-f]{16}$/);
      assert.match(singleSession ?? '', /^node-[0-9a-f]{16}$/);
      assert.notEqual(bothSession, singleSession, 'two client processes: two sessions');
    } finally {
      for (const proxy of proxies) await stop(proxy);
    }
  });
});
