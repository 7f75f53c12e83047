import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kafka, Message } from 'kafkajs';
import { silentLogger } from '../../../platform/index.js';
import { MemoryStateStore } from '../../../detectors/engine/state-store.js';
import { StateChangelog } from '../../../detectors/runtime/state-changelog.js';

function changelogOf(store: MemoryStateStore): StateChangelog {
  return new StateChangelog({
    // collect and requeue never reach Kafka.
    kafka: {} as Kafka,
    topic: 'state',
    instanceId: 'me',
    groupPrefix: 'g',
    store,
    isValid: () => true,
    logger: silentLogger,
  });
}

const asPairs = (messages: readonly Message[]) =>
  messages.map((m) => [m.key, m.value, m.headers?.['mcptap-instance']]);

describe('state changelog records', () => {
  it('serialises each changed key once, at collection, with tombstones for deletions', () => {
    const store = new MemoryStateStore();
    const changelog = changelogOf(store);
    const entry = { v: ['e-1'], t: 1 };
    store.write('seen|', 't/s', entry);
    store.write('seen|', 't/gone', { v: [], t: 1 });
    store.remove('seen|', 't/gone');
    const records = changelog.collect();
    // The engine changes its entries in place after collection; the record keeps the value it had.
    entry.v.push('e-2');
    assert.deepEqual(asPairs(records), [
      ['seen|t/s', JSON.stringify({ v: ['e-1'], t: 1 }), 'me'],
      ['seen|t/gone', null, 'me'],
    ]);
    assert.deepEqual(changelog.collect(), []);
  });

  it('writes the records of a failed write with the next, unless a newer change replaces them', () => {
    const store = new MemoryStateStore();
    const changelog = changelogOf(store);
    store.write('seen|', 'a', { v: ['1'], t: 1 });
    store.write('seen|', 'b', { v: ['1'], t: 1 });
    changelog.collect();
    store.write('seen|', 'b', { v: ['2'], t: 2 });
    changelog.requeue();
    assert.deepEqual(asPairs(changelog.collect()), [
      ['seen|a', JSON.stringify({ v: ['1'], t: 1 }), 'me'],
      ['seen|b', JSON.stringify({ v: ['2'], t: 2 }), 'me'],
    ]);
    // Written: nothing is left over.
    assert.deepEqual(changelog.collect(), []);
  });
});
