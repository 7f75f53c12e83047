import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findHostConfigs, HostConfigError, parseHostConfig, stripJsonComments } from '../../../scan/index.js';

test('reads Claude Desktop mcpServers: command, args, env, and the line of each entry', () => {
  const text =
    '{\n  "mcpServers": {\n    "files": {\n      "command": "npx",\n      "args": ["-y", "pkg"],\n      "env": {"A": "1"}\n    }\n  }\n}';
  const config = parseHostConfig(text, '/h/claude_desktop_config.json', 'claude-desktop');
  assert.deepEqual(config.servers, [
    {
      name: 'files',
      line: 3,
      launch: { transport: 'stdio', command: 'npx', args: ['-y', 'pkg'], env: { A: '1' } },
    },
  ]);
});

test('reads VS Code settings.json with comments, trailing commas and mcp.servers, and url servers', () => {
  const text = `{
    // user settings
    "editor.fontSize": 14, /* block */
    "mcp": { "servers": {
      "remote": { "type": "http", "url": "https://example.test/mcp", "headers": { "Authorization": "Bearer x" } },
      "legacy": { "type": "sse", "url": "http://127.0.0.1:9/sse" },
    } },
  }`;
  const config = parseHostConfig(text, '/h/settings.json', 'vscode');
  assert.deepEqual(
    config.servers.map((s) => [s.name, s.launch?.transport]),
    [
      ['remote', 'http'],
      ['legacy', 'sse'],
    ],
  );
});

test('keeps a comment marker inside a string', () => {
  assert.equal(JSON.parse(stripJsonComments('{"u": "http://x/*y*/", }')).u, 'http://x/*y*/');
});

test("reads Claude Code's per-project servers and reports an entry with neither command nor url", () => {
  const text = JSON.stringify({
    projects: { '/p': { mcpServers: { a: { command: 'a' }, bad: { args: [] } } } },
  });
  const config = parseHostConfig(text, '/h/.claude.json', 'claude-code');
  assert.equal(config.servers[0]?.launch?.transport, 'stdio');
  assert.equal(config.servers[1]?.launch, null);
  assert.match(config.servers[1]?.problem ?? '', /neither "command" nor "url"/);
});

test('refuses a file that is not JSON or has no server map, naming the file', () => {
  assert.throws(() => parseHostConfig('{ nope', '/h/x.json'), HostConfigError);
  assert.throws(() => parseHostConfig('{"a": 1}', '/h/x.json'), /x\.json: no "mcpServers"/);
});

test('finds the well-known configs of each host under a home and a project directory', () => {
  const home = mkdtempSync(join(tmpdir(), 'mcptap-home-'));
  const project = join(home, 'work');
  for (const path of [
    'Library/Application Support/Claude/claude_desktop_config.json',
    '.cursor/mcp.json',
    '.codeium/windsurf/mcp_config.json',
    '.config/Code/User/settings.json',
    '.claude.json',
    'work/.vscode/mcp.json',
    'work/.mcp.json',
  ]) {
    mkdirSync(join(home, path, '..'), { recursive: true });
    writeFileSync(join(home, path), '{}');
  }
  const found = findHostConfigs(home, project);
  assert.deepEqual(found.map((f) => f.host).sort(), [
    'claude-code',
    'claude-code',
    'claude-desktop',
    'cursor',
    'vscode',
    'vscode',
    'windsurf',
  ]);
});
