/**
 * Writes our own labelled session corpus: each scenario of `session-scenarios.ts` becomes a
 * transcript (`test/corpus/transcripts/<name>.jsonl`, the `shared/TRANSCRIPT.md` format) and an
 * entry in `test/corpus/labels.json` (other entries are kept). Deterministic: two runs write the
 * same bytes.
 * Usage: node --import tsx scripts/corpus/make-sessions.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIOS, type Scenario } from './session-scenarios.js';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'corpus');
const T0 = Date.parse('2026-11-25T09:00:00.000Z');

function transcript(scenario: Scenario, ordinal: number): string {
  const lines: string[] = [];
  let ms = T0 + ordinal * 600_000;
  const session = scenario.name;
  const push = (line: Record<string, unknown>) => {
    ms += 350;
    lines.push(JSON.stringify({ ts: new Date(ms).toISOString(), session, ...line }));
  };
  const servers = new Map<string, Map<string, Set<string>>>();
  for (const step of scenario.steps) {
    if (!('tool' in step)) continue;
    const tools = servers.get(step.server) ?? new Map<string, Set<string>>();
    const params = tools.get(step.tool) ?? new Set<string>();
    for (const key of Object.keys(step.args)) params.add(key);
    tools.set(step.tool, params);
    servers.set(step.server, tools);
  }
  const ids = new Map<string, number>();
  const nextId = (server: string) => {
    const id = (ids.get(server) ?? 0) + 1;
    ids.set(server, id);
    return id;
  };
  for (const [server, tools] of servers) {
    const init = nextId(server);
    push({
      server,
      dir: 'c2s',
      msg: {
        jsonrpc: '2.0',
        id: init,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'host', version: '1' },
        },
      },
    });
    push({
      server,
      dir: 's2c',
      msg: {
        jsonrpc: '2.0',
        id: init,
        result: {
          protocolVersion: '2025-06-18',
          capabilities: { tools: {} },
          serverInfo: { name: server, version: '1.0.0' },
        },
      },
    });
    const list = nextId(server);
    push({ server, dir: 'c2s', msg: { jsonrpc: '2.0', id: list, method: 'tools/list', params: {} } });
    push({
      server,
      dir: 's2c',
      msg: {
        jsonrpc: '2.0',
        id: list,
        result: {
          tools: [...tools].map(([name, params]) => ({
            name,
            description: scenario.descriptions?.[name] ?? `The ${name} tool of the ${server} server.`,
            inputSchema: {
              type: 'object',
              properties: Object.fromEntries([...params].map((p) => [p, { type: 'string' }])),
            },
          })),
        },
      },
    });
  }
  for (const step of scenario.steps) {
    if ('user' in step) push({ host: 'user_turn', text: step.user });
    else if ('assistant' in step) push({ host: 'assistant_output', text: step.assistant });
    else {
      const id = nextId(step.server);
      push({
        server: step.server,
        dir: 'c2s',
        msg: { jsonrpc: '2.0', id, method: 'tools/call', params: { name: step.tool, arguments: step.args } },
      });
      const text = typeof step.result === 'string' ? step.result : JSON.stringify(step.result);
      push({
        server: step.server,
        dir: 's2c',
        msg: { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], isError: false } },
      });
    }
  }
  return `${lines.join('\n')}\n`;
}

const labelsPath = join(CORPUS, 'labels.json');
const labels = JSON.parse(readFileSync(labelsPath, 'utf8')) as Record<string, unknown>;
SCENARIOS.forEach((scenario, ordinal) => {
  const file = `transcripts/${scenario.name}.jsonl`;
  writeFileSync(join(CORPUS, file), transcript(scenario, ordinal));
  labels[file] = { threat: scenario.threat, domain: scenario.domain, expect: scenario.expect };
});
writeFileSync(labelsPath, `${JSON.stringify(labels, null, 2)}\n`);
console.log(`${SCENARIOS.length} sessions written to ${join(CORPUS, 'transcripts')}`);
