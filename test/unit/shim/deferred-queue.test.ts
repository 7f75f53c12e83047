import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DeferredQueue } from '../../../shim/deferred-queue.js';

function queue(capacity: number) {
  const processed: number[] = [];
  let dropped = 0;
  const q = new DeferredQueue<number>({
    capacity,
    process: (item) => processed.push(item),
    onDrop: () => dropped++,
  });
  return { q, processed, dropped: () => dropped };
}

describe('DeferredQueue', () => {
  it('processes nothing on push, then everything in order on the next turn of the event loop', async () => {
    const { q, processed } = queue(10);
    for (const item of [3, 1, 2]) q.push(item);
    assert.deepEqual(processed, []);
    assert.equal(q.size, 3);
    await nextTurn();
    assert.deepEqual(processed, [3, 1, 2]);
    assert.equal(q.size, 0);
  });

  it('drops and counts what finds the queue full, and takes items again once drained', async () => {
    const { q, processed, dropped } = queue(2);
    for (const item of [1, 2, 3, 4]) q.push(item);
    assert.equal(dropped(), 2);
    assert.equal(q.size, 2);
    await nextTurn();
    q.push(5);
    await nextTurn();
    assert.deepEqual(processed, [1, 2, 5]);
    assert.equal(dropped(), 2);
  });

  it('drains at once on demand, including what processing pushes, and leaves nothing for the scheduled turn', async () => {
    const processed: number[] = [];
    const q: DeferredQueue<number> = new DeferredQueue<number>({
      capacity: 10,
      process: (item) => {
        processed.push(item);
        if (item === 1) q.push(10);
      },
      onDrop: () => assert.fail('nothing should be dropped'),
    });
    q.push(1);
    q.push(2);
    q.drain();
    assert.deepEqual(processed, [1, 2, 10]);
    await nextTurn();
    assert.deepEqual(processed, [1, 2, 10]);
  });
});
