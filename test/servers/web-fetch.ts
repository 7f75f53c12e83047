/**
 * A benign web-fetch server: `fetch` answers with a short, plain page for any URL without
 * touching the network. The demo points it at the cloud metadata address (SSRF) and at a host never
 * seen before (new destination), where the danger is the destination, not the content.
 *
 *   node --import tsx test/servers/web-fetch.ts
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'web-fetch', version: '0.4.0' });

server.registerTool(
  'fetch',
  {
    description: 'Fetch a web page and return its text.',
    inputSchema: { url: z.string().describe('The URL to fetch') },
    annotations: { readOnlyHint: true, openWorldHint: true },
  },
  async ({ url }) => ({
    content: [
      { type: 'text' as const, text: `Fetched ${url}: 200 OK, 1 paragraph. "Build 1842 passed all checks."` },
    ],
  }),
);

await server.connect(new StdioServerTransport());
