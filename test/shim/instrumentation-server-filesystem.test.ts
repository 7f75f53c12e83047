// McpClientInstrumentation through the standard registerInstrumentations, with a plain SDK client
// (no explicit wrapping) talking to the real @modelcontextprotocol/server-filesystem over stdio.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpClientInstrumentation } from '../../shim/index.js';
import { filesystemServer, memoryTracing, ofKind } from './support.js';

describe('McpClientInstrumentation with server-filesystem', () => {
  it('observes every client connected after registration, and none after disabling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptap-fs-'));
    writeFileSync(join(dir, 'notes.txt'), 'meeting at 10, ask about https://wiki.example.com/q3\n');
    const tracing = memoryTracing();
    const instrumentation = new McpClientInstrumentation({ sessionId: () => 'fs-conversation' });
    const unregister = registerInstrumentations({
      instrumentations: [instrumentation],
      tracerProvider: tracing.provider,
    });
    const params = filesystemServer(dir);
    try {
      const client = new Client({ name: 'plain-host', version: '1.0.0' });
      await client.connect(new StdioClientTransport(params));
      await client.listTools();
      const read = await client.callTool({
        name: 'read_text_file',
        arguments: { path: join(dir, 'notes.txt') },
      });
      const outside = await client.callTool({ name: 'read_text_file', arguments: { path: '/etc/passwd' } });
      await client.callTool({ name: 'list_directory', arguments: { path: dir } });
      await client.close();
      assert.match((read.content as { text: string }[])[0]?.text ?? '', /meeting at 10/);
      assert.equal(outside.isError, true);
    } finally {
      unregister();
    }

    const events = tracing.events();
    const calls = ofKind(events, 'tool_call');
    assert.deepEqual(
      calls.map((c) => [c.tool, c.is_error, c.error_type]),
      [
        ['read_text_file', false, ''],
        ['read_text_file', true, 'tool_error'],
        ['list_directory', false, ''],
      ],
    );
    assert.ok(calls.every((c) => c.session_id === 'fs-conversation'));
    // Named from the command line: the installed package the server script belongs to.
    assert.equal(calls[0]?.server_name, 'server-filesystem');
    assert.match(calls[0]?.result.text ?? '', /wiki\.example\.com/);
    assert.match(calls[1]?.error_message ?? '', /denied|outside|not allowed/i);
    const [catalog] = ofKind(events, 'catalog');
    assert.ok(
      catalog && JSON.parse(catalog.items.text).some((t: { name: string }) => t.name === 'write_file'),
    );
    const egress = ofKind(events, 'egress').map((e) => [e.dest_scheme, e.location]);
    assert.ok(egress.length === 0, `file paths are not destinations: ${JSON.stringify(egress)}`);

    const before = tracing.spans().length;
    const after = new Client({ name: 'after-disable', version: '1.0.0' });
    await after.connect(new StdioClientTransport(params));
    await after.callTool({ name: 'list_directory', arguments: { path: dir } });
    await after.close();
    assert.equal(tracing.spans().length, before);
  });
});
