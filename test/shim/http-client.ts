/**
 * One MCP client process talking to Streamable HTTP servers (through `mcptap proxy --url`): it
 * connects to each URL, calls `echo` there with `<label> <url index>`, and prints its pid. Run by
 * test/shim/proxy-http.test.ts, one process per client.
 *
 *   node --import tsx test/shim/http-client.ts LABEL URL...
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [label = '', ...urls] = process.argv.slice(2);
const connections = await Promise.all(
  urls.map(async (url) => {
    const transport = new StreamableHTTPClientTransport(new URL(url));
    const client = new Client({ name: `http-client-${label}`, version: '1.0.0' });
    await client.connect(transport);
    return { client, transport };
  }),
);
for (const [index, { client }] of connections.entries())
  await client.callTool({ name: 'echo', arguments: { message: `${label} ${index}` } });
for (const { client, transport } of connections) {
  await transport.terminateSession();
  await client.close();
}
process.stdout.write(`${process.pid}\n`);
