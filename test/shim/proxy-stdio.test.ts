// `mcptap proxy` (the real command, as a host would run it) between a real SDK client and the real
// server-everything over stdio: the client sees exactly what it sees without the proxy, the
// transcript is recorded, and the spans reach an OTLP receiver with the API key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { canonicalJson } from '../../model/index.js';
import { parseTranscriptLine, SessionExtractor, type WireLine } from '../../shim/index.js';
import { EVERYTHING, MCPTAP_BIN, ofKind, otlpJsonReceiver, waitFor, type OtlpReceiver } from './support.js';

interface Exchange {
  sent: JSONRPCMessage[];
  received: JSONRPCMessage[];
  results: unknown[];
}

/** Runs the same conversation against a server and records every JSON-RPC message both ways. */
async function converse(params: StdioServerParameters): Promise<Exchange> {
  const exchange: Exchange = { sent: [], received: [], results: [] };
  const inner = new StdioClientTransport(params);
  const recording: Transport = {
    start: () => inner.start(),
    close: () => inner.close(),
    send: (message) => (exchange.sent.push(message), inner.send(message)),
    set onmessage(handler: Transport['onmessage']) {
      inner.onmessage = (message: JSONRPCMessage) => {
        exchange.received.push(message);
        handler?.(message);
      };
    },
    set onclose(handler: Transport['onclose']) {
      inner.onclose = handler;
    },
    set onerror(handler: Transport['onerror']) {
      inner.onerror = handler;
    },
  };
  const client = new Client({ name: 'compare', version: '1.0.0' });
  await client.connect(recording);
  const calls: (() => Promise<unknown>)[] = [
    () => client.listTools(),
    () => client.callTool({ name: 'echo', arguments: { message: 'héllo ✓ https://example.org/x' } }),
    () => client.callTool({ name: 'get-sum', arguments: { a: 40, b: 2 } }),
    () => client.callTool({ name: 'no-such-tool', arguments: {} }),
    () => client.callTool({ name: 'get-tiny-image', arguments: {} }),
    () => client.listResources(),
    () => client.readResource({ uri: 'demo://resource/static/document/features.md' }),
    () => client.listPrompts(),
    () => client.getPrompt({ name: 'args-prompt', arguments: { city: 'Oslo' } }),
  ];
  for (const call of calls)
    exchange.results.push(await call().catch((error: unknown) => ({ error: String(error) })));
  await client.close();
  return exchange;
}

/** Notifications the server sends on its own timer may interleave differently; compare them as a set. */
const sortedJson = (messages: readonly unknown[]) => messages.map((m) => canonicalJson(m)).sort();

describe('mcptap proxy (stdio) with server-everything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptap-proxy-'));
  const transcript = join(dir, 'session.jsonl');
  let receiver: OtlpReceiver;
  let direct: Exchange;
  let proxied: Exchange;

  before(async () => {
    receiver = await otlpJsonReceiver();
    direct = await converse(EVERYTHING);
    proxied = await converse({
      command: process.execPath,
      args: [
        MCPTAP_BIN,
        'proxy',
        '--name',
        'everything',
        '--session',
        'proxy-session-1',
        '--record',
        transcript,
        '--collector',
        receiver.url,
        '--',
        EVERYTHING.command,
        ...(EVERYTHING.args ?? []),
      ],
      env: {
        ...(process.env as Record<string, string>),
        MCPTAP_API_KEY: 'key-for-test',
        // The session's turn clock lives in the data directory: a fixed --session must not meet an
        // earlier run's turn there.
        MCPTAP_DATA_DIR: dir,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      },
      stderr: 'ignore',
    });
    await waitFor(() => ofKind(receiver.events, 'tool_call').length >= 4, 15_000);
  });
  after(() => receiver.close());

  it('gives the client the same JSON-RPC exchange and results as a direct connection', () => {
    assert.deepEqual(proxied.results, direct.results);
    assert.deepEqual(proxied.sent, direct.sent);
    assert.deepEqual(sortedJson(proxied.received), sortedJson(direct.received));
  });

  it('records the transcript of every message in both directions', () => {
    const lines = readFileSync(transcript, 'utf8').trim().split('\n').map(parseTranscriptLine) as WireLine[];
    const sent = lines.filter((l) => l.dir === 'c2s').map((l) => l.msg);
    const received = lines.filter((l) => l.dir === 's2c').map((l) => l.msg);
    assert.deepEqual(sent, JSON.parse(JSON.stringify(proxied.sent)));
    assert.deepEqual(sortedJson(received), sortedJson(proxied.received));
    assert.ok(lines.every((l) => l.session === 'proxy-session-1' && l.server === 'everything'));
  });

  it('exports the spans of every call with the API key, and replaying its transcript gives the same events', () => {
    assert.ok(receiver.apiKeys.length > 0 && receiver.apiKeys.every((key) => key === 'key-for-test'));
    const calls = ofKind(receiver.events, 'tool_call');
    assert.deepEqual(
      calls.map((c) => [c.tool, c.is_error]),
      [
        ['echo', false],
        ['get-sum', false],
        ['no-such-tool', true],
        ['get-tiny-image', false],
      ],
    );
    assert.equal(calls[0]?.result.text, 'Echo: héllo ✓ https://example.org/x');
    assert.ok(calls.every((c) => c.session_id === 'proxy-session-1' && c.turn_id !== ''));
    assert.deepEqual(
      ofKind(receiver.events, 'catalog')
        .map((c) => c.catalog_kind)
        .sort(),
      ['prompts', 'resources', 'tools'],
    );
    const egress = ofKind(receiver.events, 'egress');
    assert.deepEqual(
      egress.map((e) => e.dest_host),
      ['example.org'],
    );
    const [start] = ofKind(receiver.events, 'turn');
    assert.equal(start?.inferred, true);

    const replay = new SessionExtractor({ tenant: 'test-tenant', hostId: '' });
    const lines = readFileSync(transcript, 'utf8').trim().split('\n').map(parseTranscriptLine);
    const replayed = [...lines.flatMap((line) => replay.push(line)), ...replay.flush()];
    const summary = (events: typeof replayed) =>
      ofKind(events, 'tool_call').map((c) => [c.tool, c.arguments.sha256, c.result.sha256, c.error_type]);
    assert.deepEqual(summary(replayed), summary(receiver.events));
  });
});
