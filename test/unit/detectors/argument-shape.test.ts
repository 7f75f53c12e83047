import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert, McpEvent } from '../../../model/index.js';
import {
  createDetectorEngine,
  defaultRules,
  MemoryStateStore,
  rulesWith,
  type DetectorRules,
} from '../../../detectors/index.js';
import { pathRoot, valueEncoding } from '../../../detectors/rules/argument-values.js';
import { toolCall } from './make-events.js';

const shipped = defaultRules();
const rules = rulesWith({
  argument_shape: {
    ...shipped.argument_shape,
    learning_calls: 10,
    learning_window_ms: 60_000,
    min_values: 10,
    max_keys: 8,
    max_roots: 4,
    max_hosts: 3,
  },
});

function shapeAlerts(events: McpEvent[], r: DetectorRules = rules, store = new MemoryStateStore()): Alert[] {
  const engine = createDetectorEngine(r, store);
  return events.flatMap((e) => engine.process(e)).filter((a) => a.rule.startsWith('argument_shape'));
}

/** `count` ordinary calls of save_note, one a minute, the first at ms 0. */
function learned(count = 12): McpEvent[] {
  const events: McpEvent[] = [];
  for (let i = 0; i < count; i++) {
    events.push(
      toolCall(
        'save_note',
        {
          path: `/srv/notes/${i % 3 === 0 ? 'work' : 'home'}/note-${i}.md`,
          text: `Meeting notes number ${i}: the team agreed to ship on Friday.`,
          tags: ['meeting', 'weekly'],
          pinned: i % 2 === 0,
          webhook: `https://hooks.acme.example/notes/${i}`,
        },
        'saved',
        { ms: i * 60_000, session: `s-${i}` },
      ),
    );
  }
  return events;
}

function later(args: unknown, minute = 30): McpEvent {
  return toolCall('save_note', args, 'saved', { ms: minute * 60_000, session: 'later' });
}

const usual = {
  path: '/srv/notes/work/plan.md',
  text: 'Plan for the week: finish the billing fixes.',
  tags: ['plan'],
  pinned: false,
  webhook: 'https://hooks.acme.example/notes/99',
};
const BLOB = Buffer.from('id_rsa PRIVATE KEY material '.repeat(8)).toString('base64');

test('classifies encodings of argument values', () => {
  assert.equal(valueEncoding('Meeting notes for Friday', 80), 'text');
  assert.equal(valueEncoding(BLOB, 80), 'base64');
  assert.equal(valueEncoding(`notes: ${BLOB}`, 80), 'base64');
  assert.equal(valueEncoding('ab'.repeat(48).replace(/a/g, 'f3'), 80), 'hex');
  assert.equal(valueEncoding('%7B%22key%22%3A%22v%22%7D', 80), 'url_encoded');
  assert.equal(valueEncoding('{"a": [1, 2]}', 80), 'json');
  assert.equal(valueEncoding('abc\u0001\u0002def', 80), 'binary');
  // A long path with mixed case and digits is a path, not a blob.
  assert.equal(
    valueEncoding('/home/Alice2/Projects/Billing9/src/Components/InvoiceTable/Rows/Cells/Amount/Format', 80),
    'text',
  );
});

test('finds the root of absolute paths only', () => {
  assert.equal(pathRoot('/srv/notes/work/a.md', 2), '/srv/notes');
  assert.equal(pathRoot('~/.ssh/id_rsa', 2), '~/.ssh');
  assert.equal(pathRoot('C:\\Users\\me\\file.txt', 2), 'C:/Users');
  assert.equal(pathRoot('notes/work/a.md', 2), undefined);
  assert.equal(pathRoot('https://example.com/a/b', 2), undefined);
  assert.equal(pathRoot('/srv', 2), undefined);
});

test('argument_shape stays silent while it learns, whatever the calls look like', () => {
  const events = learned(5);
  events.push(later({ path: '/etc/shadow', text: BLOB, extra: 1, pinned: 'yes' }, 6));
  assert.deepEqual(shapeAlerts(events), []);
});

test('argument_shape learns for both the call count and the time window', () => {
  // 12 calls within 2 minutes: the count is reached, the 60 s window too, but one call at 11 s is not.
  const fast: McpEvent[] = [];
  for (let i = 0; i < 12; i++) fast.push(toolCall('save_note', usual, 'saved', { ms: i * 100 }));
  fast.push(toolCall('save_note', { ...usual, text: BLOB }, 'saved', { ms: 1300 }));
  assert.deepEqual(shapeAlerts(fast), []);
});

test('argument_shape stays silent on calls like the learned ones', () => {
  const events = learned();
  events.push(later(usual), later({ ...usual, path: '/srv/notes/home/x.md', tags: [] }, 31));
  assert.deepEqual(shapeAlerts(events), []);
});

for (const [departure, args, severity, learnedText] of [
  ['encoding', { ...usual, text: BLOB }, 'medium', 'text'],
  ['path_root', { ...usual, path: '/home/alice/.ssh/id_rsa' }, 'medium', '/srv/notes'],
  ['new_key', { ...usual, sidenote: 'hello' }, 'low', '$.path'],
  ['type_change', { ...usual, pinned: 'true' }, 'low', 'boolean'],
  ['length', { ...usual, text: 'Long meeting notes. '.repeat(40) }, 'medium', 'mean'],
  ['new_host', { ...usual, webhook: 'https://collect.exfil-relay.example/n' }, 'low', 'hooks.acme.example'],
] as const) {
  test(`argument_shape flags ${departure} after learning, and explains it`, () => {
    const alerts = shapeAlerts([...learned(), later(args)]);
    assert.deepEqual(
      alerts.map((a) => a.rule),
      [`argument_shape.${departure}`],
    );
    const alert = alerts[0]!;
    assert.equal(alert.severity, severity);
    assert.equal(alert.details.departure, departure);
    assert.equal(alert.details.learned_calls, '12');
    assert.match(alert.details.learned ?? '', new RegExp(learnedText.replace(/[.$]/g, '\\$&')));
    assert.match(alert.summary, /save_note/);
    assert.match(alert.summary, /12 earlier calls/);
    assert.match(alert.runbook, /open the session/);
    assert.ok(!alert.summary.includes(BLOB) && !JSON.stringify(alert.details).includes(BLOB));
  });
}

test('argument_shape alerts a departure once, then counts it as learned', () => {
  const blob = later({ ...usual, text: BLOB });
  const again = later({ ...usual, text: [...BLOB].reverse().join('') }, 40);
  assert.equal(shapeAlerts([...learned(), blob, again]).length, 1);
});

test('argument_shape keeps one shape per tool and server', () => {
  const other = toolCall('save_note', { ...usual, text: BLOB }, 'saved', {
    ms: 30 * 60_000,
    server: 'other',
  });
  assert.deepEqual(shapeAlerts([...learned(), other]), []);
});

test('argument_shape state stays bounded and holds no values', () => {
  const store = new MemoryStateStore();
  const events = learned();
  for (let i = 0; i < 50; i++) {
    events.push(
      later(
        {
          ...usual,
          [`key_${i}`]: `secret value ${i} ${BLOB}`,
          path: `/root${i}/dir/file`,
          webhook: `https://host-${i}.example/`,
        },
        20 + i,
      ),
    );
  }
  const alerts = shapeAlerts(events, rules, store);
  const entries = [...store.scan('d|argument_shape|')];
  assert.equal(entries.length, 1);
  const state = entries[0]![1].v as {
    key_count: number;
    keys_full: boolean;
    hosts: string[];
    hosts_full: boolean;
    keys: Record<string, { roots: string[] }>;
  };
  assert.ok(state.key_count <= 8 && state.keys_full);
  assert.ok(state.hosts.length <= 3 && state.hosts_full);
  assert.ok((state.keys['$.path']?.roots.length ?? 0) <= 4);
  const text = JSON.stringify(state);
  assert.ok(!text.includes('secret value') && !text.includes(BLOB.slice(0, 40)));
  // Once a set is full, its departure kind stops alerting for the tool.
  const newKeys = alerts.filter((a) => a.rule === 'argument_shape.new_key').length;
  const newHosts = alerts.filter((a) => a.rule === 'argument_shape.new_host').length;
  assert.ok(newKeys >= 1 && newKeys < 50, `new_key alerts ${newKeys}`);
  assert.ok(newHosts >= 1 && newHosts < 50, `new_host alerts ${newHosts}`);
});

test('argument_shape is silent when disabled', () => {
  const off = rulesWith({ argument_shape: { ...rules.argument_shape, enabled: false } });
  assert.deepEqual(shapeAlerts([...learned(), later({ ...usual, text: BLOB })], off), []);
});
