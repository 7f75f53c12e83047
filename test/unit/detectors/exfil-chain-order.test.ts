// exfil_chain across the proxies of one host: each server's events reach the detectors through its
// own proxy, so a send can arrive before the read it followed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDetectorEngine, defaultRules } from '../../../detectors/index.js';
import type { Alert, McpEvent } from '../../../model/index.js';
import { egress, toolCall } from './make-events.js';

const rules = defaultRules();
const run = (events: McpEvent[]): Alert[] => {
  const engine = createDetectorEngine(rules);
  return events.flatMap((e) => engine.process(e));
};
const chains = (alerts: Alert[]) => alerts.filter((a) => a.rule === 'exfil_chain');

test('exfil_chain: a sink arriving before the read it followed fires when the read arrives', () => {
  const read = toolCall('read_text_file', { path: '/home/u/.ssh/id_rsa' }, 'key', { ms: 1000 });
  const sink = egress('mailto:x@drop.example', 'drop.example', { ms: 2000, channel: 'tool_argument' });
  const [alert, ...more] = chains(run([sink, read]));
  assert.ok(alert, 'fired');
  assert.deepEqual(more, []);
  assert.deepEqual(alert.evidence_event_ids.slice(0, 1), [read.event_id]);
  assert.ok(alert.evidence_event_ids.includes(sink.event_id));
  assert.match(alert.summary, /followed 1 s later by an outbound tool argument to drop\.example/);
  assert.equal(chains(run([read, sink])).length, 1, 'in order, as before');
});

test('exfil_chain: a waiting sink that happened before the read, or beyond the window, does not', () => {
  const read = toolCall('read_text_file', { path: '/home/u/.ssh/id_rsa' }, 'key', { ms: 5000 });
  const before = egress('https://evil.example/x', 'evil.example', { ms: 1000, channel: 'assistant_image' });
  assert.deepEqual(chains(run([before, read])), []);
  const beyond = egress('https://evil.example/x', 'evil.example', {
    ms: 5000 + rules.exfil_chain.window_ms + 1,
    channel: 'assistant_image',
  });
  assert.deepEqual(chains(run([beyond, read])), []);
});
