// The library shim (instrumentClient) on a real SDK client talking to the real
// @modelcontextprotocol/server-everything over stdio; spans go to an in-memory exporter and are
// decoded back into events with the collector's codec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { canonicalHash, serverId } from '../../model/index.js';
import { instrumentClient, McpHostTelemetry, type TranscriptLine } from '../../shim/index.js';
import { endpointOf, EVERYTHING, memoryTracing, ofKind } from './support.js';

describe('library shim with server-everything (stdio)', () => {
  const tracing = memoryTracing();
  const recorded: TranscriptLine[] = [];
  const telemetry = new McpHostTelemetry({
    tracer: tracing.provider.getTracer('test'),
    hostId: 'test-host',
    record: (line) => recorded.push(line),
  });
  let conversation = 'conv-1';
  const client = instrumentClient(new Client({ name: 'test-host', version: '1.0.0' }), {
    serverName: 'everything',
    endpoint: endpointOf(EVERYTHING),
    telemetry,
    sessionId: () => conversation,
  });
  const results: Record<string, unknown> = {};

  before(async () => {
    await client.connect(new StdioClientTransport(EVERYTHING));
    const session = telemetry.session(conversation);
    session.startTurn('add 2 and 3, then echo the answer');
    results.tools = await client.listTools();
    results.sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
    results.echo = await client.callTool({
      name: 'echo',
      arguments: { message: 'five, see https://docs.example.org/sum' },
    });
    results.unknown = await client
      .callTool({ name: 'no-such-tool', arguments: {} })
      .catch((error: unknown) => error);
    results.invalid = await client
      .callTool({ name: 'get-sum', arguments: { a: 'two' } })
      .catch((error: unknown) => error);
    results.resources = await client.listResources();
    results.read = await client.readResource({ uri: 'demo://resource/static/document/features.md' });
    results.prompts = await client.listPrompts();
    results.prompt = await client.getPrompt({ name: 'args-prompt', arguments: { city: 'Boston' } });
    session.recordPrompt([{ role: 'user', content: 'add 2 and 3' }], [{ name: 'get-sum' }, { name: 'echo' }]);
    session.assistantOutput('The sum is 5. ![chart](https://charts.example.com/c.png?v=5)');
    conversation = 'conv-2';
    telemetry.session(conversation).startTurn('next question');
    results.echo2 = await client.callTool({ name: 'echo', arguments: { message: 'again' } });
    telemetry.flush();
  });
  after(() => client.close());

  it('reports every tool call with its arguments, result, duration and chain position', () => {
    const calls = ofKind(tracing.events(), 'tool_call').filter((c) => c.session_id === 'conv-1');
    const byTool = (tool: string) => calls.filter((c) => c.tool === tool);
    const [sum] = byTool('get-sum');
    assert.ok(sum);
    assert.deepEqual(JSON.parse(sum.arguments.text), { a: 2, b: 3 });
    assert.match(sum.result.text, /5/);
    assert.equal(sum.is_error, false);
    assert.equal(sum.server_name, 'everything');
    assert.equal(sum.server_version, '2.0.0');
    assert.equal(
      sum.server_id,
      serverId({ name: 'everything', endpoint: endpointOf(EVERYTHING), version: '2.0.0' }),
    );
    assert.equal(sum.host_id, 'test-host');
    assert.ok(sum.duration_ms >= 0 && sum.request_bytes > 0 && sum.response_bytes > 0);
    const echo = byTool('echo')[0];
    assert.equal(echo?.result.text, 'Echo: five, see https://docs.example.org/sum');
    assert.deepEqual(
      calls.map((c) => [c.tool, c.chain_index]),
      [
        ['get-sum', 1],
        ['echo', 2],
        ['no-such-tool', 3],
        ['get-sum', 4],
      ],
    );
  });

  it('reports failed calls with their error type and a span in error', () => {
    const calls = ofKind(tracing.events(), 'tool_call');
    const unknown = calls.find((c) => c.tool === 'no-such-tool');
    const invalid = calls.filter((c) => c.tool === 'get-sum')[1];
    for (const call of [unknown, invalid]) {
      assert.ok(call?.is_error, `${call?.tool} should be an error`);
      assert.ok(call.error_type === 'tool_error' || /^-?\d+$/.test(call.error_type), call.error_type);
      assert.notEqual(call.error_message, '');
    }
    const span = tracing.spans().find((s) => s.attributes['gen_ai.tool.name'] === 'no-such-tool');
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(span?.attributes['error.type'], unknown?.error_type);
  });

  it('names tool-call spans after the MCP conventions and sends their context to the server', () => {
    const span = tracing.spans().find((s) => s.name === 'tools/call echo');
    assert.ok(span);
    assert.equal(span.kind, SpanKind.CLIENT);
    assert.equal(span.attributes['mcp.method.name'], 'tools/call');
    assert.equal(span.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(span.attributes['gen_ai.conversation.id'], 'conv-1');
    const sent = recorded.find(
      (line) => 'dir' in line && line.dir === 'c2s' && JSON.stringify(line.msg).includes('five, see'),
    );
    assert.ok(sent && 'msg' in sent);
    const meta = (sent.msg as { params: { _meta: Record<string, string> } }).params._meta;
    const { traceId, spanId } = span.spanContext();
    assert.equal(meta.traceparent, `00-${traceId}-${spanId}-01`);
  });

  it('snapshots each catalog with its hash, the initialize trigger and the server instructions', () => {
    const catalogs = ofKind(tracing.events(), 'catalog');
    assert.deepEqual(catalogs.map((c) => c.catalog_kind).sort(), ['prompts', 'resources', 'tools']);
    const tools = catalogs.find((c) => c.catalog_kind === 'tools');
    assert.ok(tools);
    const listed = (results.tools as { tools: unknown[] }).tools;
    assert.equal(tools.trigger, 'initialize');
    assert.equal(tools.item_count, listed.length);
    assert.equal(tools.hash, canonicalHash(JSON.parse(tools.items.text)));
    assert.deepEqual(
      JSON.parse(tools.items.text).map((t: { name: string }) => t.name),
      listed.map((t) => (t as { name: string }).name),
    );
    assert.match(tools.instructions, /Everything Server/);
    const span = tracing.spans().find((s) => s.name === 'tools/list');
    assert.equal(span?.kind, SpanKind.CLIENT);
  });

  it('reports resources/read and prompts/get with the content they returned', () => {
    const reads = ofKind(tracing.events(), 'content_read');
    const resource = reads.find((r) => r.method === 'resources/read');
    const prompt = reads.find((r) => r.method === 'prompts/get');
    assert.equal(resource?.target, 'demo://resource/static/document/features.md');
    const expected = (results.read as { contents: { text: string }[] }).contents[0]?.text ?? '';
    assert.equal(resource?.content.text, expected.slice(0, resource?.content.text.length));
    assert.equal(resource?.content.bytes, Buffer.byteLength(expected));
    assert.equal(prompt?.target, 'args-prompt');
    assert.match(prompt?.content.text ?? '', /Boston/);
  });

  it('reports host turns, prompts and assistant output, with egress for the image', () => {
    const events = tracing.events();
    const turns = ofKind(events, 'turn');
    const conv1 = turns.filter((t) => t.session_id === 'conv-1');
    assert.deepEqual(
      conv1.map((t) => [t.phase, t.inferred]),
      [
        ['start', false],
        ['end', false],
      ],
    );
    assert.equal(conv1[0]?.text.text, 'add 2 and 3, then echo the answer');
    const turnId = conv1[0]?.turn_id;
    for (const call of ofKind(events, 'tool_call').filter((c) => c.session_id === 'conv-1'))
      assert.equal(call.turn_id, turnId);
    const [prompt] = ofKind(events, 'prompt');
    assert.deepEqual([prompt?.message_count, prompt?.tool_count, prompt?.turn_id], [1, 2, turnId]);
    const image = ofKind(events, 'egress').find((e) => e.channel === 'assistant_image');
    assert.equal(image?.dest_host, 'charts.example.com');
    const echoEgress = ofKind(events, 'egress').find((e) => e.channel === 'tool_argument');
    assert.deepEqual(
      [echoEgress?.dest_host, echoEgress?.tool, echoEgress?.location],
      ['docs.example.org', 'echo', '$.message'],
    );
  });

  it('tells calls to the conversation that made them', () => {
    const echo2 = ofKind(tracing.events(), 'tool_call').find((c) => c.session_id === 'conv-2');
    assert.equal(echo2?.tool, 'echo');
    assert.equal(echo2?.chain_index, 1);
  });

  it('gives the client the same results as without the shim', async () => {
    const plain = new Client({ name: 'plain', version: '1.0.0' });
    await plain.connect(new StdioClientTransport(EVERYTHING));
    try {
      assert.deepEqual(await plain.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }), results.sum);
      assert.deepEqual(await plain.listTools(), results.tools);
      assert.deepEqual(
        await plain.readResource({ uri: 'demo://resource/static/document/features.md' }),
        results.read,
      );
    } finally {
      await plain.close();
    }
  });
});
