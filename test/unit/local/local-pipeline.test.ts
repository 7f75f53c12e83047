import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PublishItem } from '../../../collector/index.js';
import {
  createDetectorEngine,
  defaultRules,
  MemoryStateStore,
  replayTranscript,
} from '../../../detectors/index.js';
import type { StateRow } from '../../../local/detector-state-table.js';
import { LocalPipeline } from '../../../local/local-pipeline.js';
import { LocalStats } from '../../../local/local-stats.js';
import type { Alert, McpEvent } from '../../../model/index.js';
import { REPO_ROOT } from '../../shim/support.js';

const transcript = readFileSync(
  join(REPO_ROOT, 'test', 'corpus', 'transcripts', 'seed-metadata-ssrf.jsonl'),
  'utf8',
);
const replayed = replayTranscript(transcript, { rules: defaultRules(), tenant: 'local', hostId: 'h' });
const items = (events: readonly McpEvent[]): PublishItem[] =>
  events.map((event) => ({ type: 'event', event, value: JSON.stringify(event), bytes: 1 }));

function pipeline() {
  const state = new MemoryStateStore();
  const writes: Array<{ what: 'records' | 'state'; ids: string[] }> = [];
  const shown: Alert[] = [];
  let failRecords = false;
  let version = 0;
  const prepared: string[][] = [];
  const p = new LocalPipeline({
    engine: createDetectorEngine(defaultRules(), state),
    state,
    prepareRecords: (events, alerts) =>
      prepared.push([
        ...events.map((json) => (JSON.parse(json) as McpEvent).event_id),
        ...alerts.map((alert) => `alert:${alert.rule}`),
      ]) - 1,
    writeRecords: async (handles) => {
      if (failRecords) throw new Error('store down');
      writes.push({ what: 'records', ids: handles.flatMap((handle) => prepared[handle]!) });
    },
    stateRows: (changes) =>
      changes.map(([key, value]): StateRow => ({
        key,
        value: JSON.stringify(value),
        deleted: 0,
        version: ++version,
      })),
    writeState: async (rows) => {
      if (rows.length > 0) writes.push({ what: 'state', ids: rows.map((r) => r.key) });
    },
    stats: new LocalStats(),
    onAlert: (alert) => shown.push(alert),
  });
  return { p, writes, shown, setFail: (fail: boolean) => (failRecords = fail) };
}

describe('local pipeline', () => {
  it('reports alerts when events are accepted, before anything is stored, and the same alerts as replay', async () => {
    const { p, writes, shown } = pipeline();
    const detected = p.accept(items(replayed.events));
    assert.deepEqual(shown, replayed.alerts);
    assert.deepEqual(detected.alerts, replayed.alerts);
    assert.equal(writes.length, 0);
    await p.store([detected]);
    assert.deepEqual(
      writes.map((w) => w.what),
      ['records', 'state'],
      'events and alerts are written before the state they produced',
    );
    assert.equal(writes[0]!.ids.length, replayed.events.length + replayed.alerts.length);
  });

  it('keeps alerts and state of a failed write and writes them with the next batch, never state first', async () => {
    const { p, writes, setFail } = pipeline();
    const half = Math.ceil(replayed.events.length / 2);
    const first = p.accept(items(replayed.events.slice(0, half)));
    const second = p.accept(items(replayed.events.slice(half)));
    const alertCount = first.alerts.length + second.alerts.length;
    assert.ok(alertCount > 0);
    setFail(true);
    await assert.rejects(p.store([first]), /store down/);
    assert.equal(writes.length, 0, 'no state written when its events were not');
    setFail(false);
    await p.store([second]);
    const records = writes.filter((w) => w.what === 'records').flatMap((w) => w.ids);
    assert.equal(records.filter((id) => id.startsWith('alert:')).length, alertCount, 'no alert lost');
    assert.deepEqual(
      writes.map((w) => w.what),
      ['records', 'state'],
    );
    assert.equal(await p.flushPending(), true);
  });
});
