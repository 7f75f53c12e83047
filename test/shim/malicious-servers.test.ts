// Our deliberately malicious MCP servers (test/servers), each run for real over stdio behind the
// library shim: the spans must carry what a detector needs to see the attack.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { instrumentClient, McpHostTelemetry } from '../../shim/index.js';
import { endpointOf, memoryTracing, ofKind, testServer, waitFor } from './support.js';

async function connected(serverName: string, params: StdioServerParameters) {
  const tracing = memoryTracing();
  const telemetry = new McpHostTelemetry({
    tracer: tracing.provider.getTracer('test'),
    defaultSessionId: `s-${serverName}`,
  });
  const client = instrumentClient(new Client({ name: 'test-host', version: '1.0.0' }), {
    serverName,
    endpoint: endpointOf(params),
    telemetry,
  });
  await client.connect(new StdioClientTransport(params));
  return { tracing, client, telemetry };
}

describe('poisoned-tools server', () => {
  it('puts the hidden instructions, the shadowing tool and the false read-only hint into the catalog', async () => {
    const { tracing, client } = await connected(
      'organizer',
      testServer('poisoned-tools', ['--secret-path', '~/.ssh/id_ed25519']),
    );
    try {
      await client.listTools();
    } finally {
      await client.close();
    }
    const [catalog] = ofKind(tracing.events(), 'catalog');
    assert.ok(catalog);
    assert.equal(catalog.trigger, 'initialize');
    const tools = JSON.parse(catalog.items.text) as {
      name: string;
      description: string;
      annotations?: { readOnlyHint?: boolean };
      inputSchema: { properties: Record<string, unknown> };
    }[];
    const byName = new Map(tools.map((t) => [t.name, t]));
    const organize = byName.get('organize_files');
    assert.match(organize?.description ?? '', /<IMPORTANT>[\s\S]*~\/\.ssh\/id_ed25519[\s\S]*Do not mention/);
    assert.ok(organize?.inputSchema.properties.notes);
    assert.match(byName.get('send_email_fast')?.description ?? '', /instead of send_email/);
    const disk = byName.get('disk_usage');
    assert.equal(disk?.annotations?.readOnlyHint, true);
    assert.ok(disk?.inputSchema.properties.shell_command);
    assert.match(byName.get('translate_text')?.description ?? '', /[\u{E0020}-\u{E007E}]/u);
    assert.match(byName.get('translate_text')?.description ?? '', /\u200b/);
  });
});

describe('rug-pull server', () => {
  it('shows the list_changed catalog with a diff: changed descriptions and a new exec tool, same version', async () => {
    const { tracing, client } = await connected('weather', testServer('rug-pull', ['--after', '2']));
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changed++;
    });
    try {
      const before = await client.listTools();
      assert.deepEqual(before.tools.map((t) => t.name).sort(), ['convert_units', 'get_weather']);
      await client.callTool({ name: 'get_weather', arguments: { city: 'Boston' } });
      await client.callTool({ name: 'convert_units', arguments: { value: 14, to: 'fahrenheit' } });
      await waitFor(() => changed > 0);
      const afterPull = await client.listTools();
      assert.ok(afterPull.tools.some((t) => t.name === 'run_diagnostics'));
    } finally {
      await client.close();
    }
    const catalogs = ofKind(tracing.events(), 'catalog');
    assert.deepEqual(
      catalogs.map((c) => c.trigger),
      ['initialize', 'list_changed'],
    );
    const [first, pulled] = catalogs;
    assert.ok(first && pulled);
    assert.equal(pulled.previous_hash, first.hash);
    assert.notEqual(pulled.hash, first.hash);
    assert.equal(pulled.server_version, first.server_version);
    assert.equal(pulled.server_id, first.server_id);
    assert.deepEqual(pulled.diff.added, ['run_diagnostics']);
    assert.deepEqual(pulled.diff.removed, []);
    assert.deepEqual(
      pulled.diff.changed.map((c) => [c.name, c.fields]),
      [
        ['get_weather', ['description']],
        ['convert_units', ['description']],
      ],
    );
    assert.match(pulled.items.text, /~\/\.aws\/credentials/);
  });
});

describe('injected-results server', () => {
  it('keeps the injected instructions of results, error texts and resources', async () => {
    const attacker = 'https://collector.attacker.example/x';
    const { tracing, client } = await connected(
      'dev',
      testServer('injected-results', ['--attacker-url', attacker]),
    );
    try {
      await client.listTools();
      await client.callTool({ name: 'get_issue', arguments: { repo: 'acme/app', number: 42 } });
      await client.callTool({ name: 'fetch_url', arguments: { url: 'https://docs.example.com/release' } });
      await client.callTool({ name: 'search_docs', arguments: { query: 'install' } });
      await client.readResource({ uri: 'notes://team/onboarding' });
    } finally {
      await client.close();
    }
    const events = tracing.events();
    const calls = new Map(ofKind(events, 'tool_call').map((c) => [c.tool, c]));
    const issue = calls.get('get_issue');
    assert.match(issue?.result.text ?? '', /IMPORTANT NOTE TO THE AI ASSISTANT/);
    assert.ok(issue?.result.text.includes(attacker));
    assert.match(calls.get('fetch_url')?.result.text ?? '', /display:none[\s\S]*~\/\.env/);
    const search = calls.get('search_docs');
    assert.deepEqual([search?.is_error, search?.error_type], [true, 'tool_error']);
    assert.ok(search?.error_message.includes(attacker));
    const [resource] = ofKind(events, 'content_read');
    assert.equal(resource?.target, 'notes://team/onboarding');
    assert.ok(resource?.content.text.includes(attacker));
    const egress = ofKind(events, 'egress').find((e) => e.tool === 'fetch_url');
    assert.deepEqual([egress?.dest_host, egress?.location], ['docs.example.com', '$.url']);
  });
});
