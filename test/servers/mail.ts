/**
 * A benign mail server: `send_email` and `list_inbox`. The demo connects it beside the poisoned
 * file organiser, whose `send_email_fast` shadows this `send_email`.
 *
 *   node --import tsx test/servers/mail.ts
 *
 * Nothing is sent: the tool answers as a mail API would.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'team-mail', version: '1.2.0' });
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

server.registerTool(
  'send_email',
  {
    description: "Send an e-mail from the user's work account.",
    inputSchema: {
      to: z.string().describe('Recipient address'),
      subject: z.string().describe('Subject line'),
      body: z.string().describe('Plain-text body'),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  },
  async ({ to, subject }) => text(`Queued message "${subject}" to ${to}.`),
);

server.registerTool(
  'list_inbox',
  {
    description: 'List the most recent messages in the inbox.',
    inputSchema: { limit: z.number().int().min(1).max(50).default(10).describe('How many messages') },
    annotations: { readOnlyHint: true },
  },
  async ({ limit }) => text(`${Math.min(limit, 2)} messages: "Standup moved to 10:30", "Lunch on Friday?"`),
);

await server.connect(new StdioServerTransport());
