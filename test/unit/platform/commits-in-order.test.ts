// The batch consumer's commits in the order its batches were taken (platform/kafka/commits-in-order.ts): pure, no servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommitsInOrder } from '../../../platform/kafka/commits-in-order.js';

function deferred(): { promise: Promise<boolean>; resolve: (stored: boolean) => void } {
  let resolve!: (stored: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { promise, resolve };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('sink commit order', () => {
  it('holds the commit of a batch stored early until the batch taken before it is committed', async () => {
    const commits = new CommitsInOrder();
    const first = deferred();
    const second = deferred();
    const committed: string[] = [];
    commits.add(first.promise, async () => void committed.push('first'));
    commits.add(second.promise, async () => void committed.push('second'));
    second.resolve(true);
    await turn();
    assert.deepEqual(committed, [], 'nothing committed while the first batch is inserting');
    first.resolve(true);
    assert.equal(await commits.settled(), true);
    assert.deepEqual(committed, ['first', 'second']);
  });

  it('commits nothing after a batch that was not stored', async () => {
    const commits = new CommitsInOrder();
    const committed: string[] = [];
    commits.add(Promise.resolve(true), async () => void committed.push('first'));
    commits.add(Promise.resolve(false), async () => void committed.push('second'));
    commits.add(Promise.resolve(true), async () => void committed.push('third'));
    assert.equal(await commits.settled(), false);
    assert.deepEqual(committed, ['first']);
  });

  it('starts the next commit only after the one before has finished', async () => {
    const commits = new CommitsInOrder();
    const firstCommit = deferred();
    const committed: string[] = [];
    commits.add(Promise.resolve(true), async () => {
      await firstCommit.promise;
      committed.push('first');
    });
    commits.add(Promise.resolve(true), async () => void committed.push('second'));
    await turn();
    assert.deepEqual(committed, []);
    firstCommit.resolve(true);
    assert.equal(await commits.settled(), true);
    assert.deepEqual(committed, ['first', 'second']);
  });
});
