import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describeTransport } from '../../../shim/index.js';

describe('describeTransport', () => {
  const stdio = (command: string, args: string[]) =>
    describeTransport(new StdioClientTransport({ command, args }));
  it('names a stdio server after its installed package, script or command', () => {
    assert.deepEqual(
      stdio('node', ['/app/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', '/tmp']),
      {
        name: 'server-filesystem',
        endpoint: 'node /app/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js /tmp',
      },
    );
    assert.equal(stdio('npx', ['-y', '@modelcontextprotocol/server-memory@2026.8.31']).name, 'server-memory');
    assert.equal(stdio('python3', ['./weather.py']).name, 'weather');
    assert.equal(stdio('/usr/local/bin/github-mcp-server', ['stdio']).name, 'github-mcp-server');
  });
  it('names an HTTP server after its host', () => {
    assert.deepEqual(
      describeTransport(new StreamableHTTPClientTransport(new URL('https://mcp.example.com:8443/mcp'))),
      {
        name: 'mcp.example.com:8443',
        endpoint: 'https://mcp.example.com:8443/mcp',
      },
    );
  });
});
