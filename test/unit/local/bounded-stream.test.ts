import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublishItem } from '../../../collector/index.js';
import { PublishError } from '../../../collector/index.js';
import { BoundedEventStream, type BoundedStreamOptions } from '../../../local/bounded-stream.js';

const item = (key: string, bytes = 10): PublishItem => ({
  type: 'raw_span',
  tenant: 't',
  key,
  value: key,
  bytes,
});

const keys = (items: readonly PublishItem[]) => items.map((i) => (i.type === 'raw_span' ? i.key : ''));

function stream(
  options: Partial<BoundedStreamOptions<string[]>> & Pick<BoundedStreamOptions<string[]>, 'consume'>,
) {
  return new BoundedEventStream<string[]>({
    maxItems: 100,
    maxBytes: 10_000,
    enqueueTimeoutMs: 100,
    maxBatch: 100,
    accept: keys,
    ...options,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('BoundedEventStream', () => {
  it('accepts publishes in arrival order at once and consumes them in the same order', async () => {
    const accepted: string[] = [];
    const consumed: string[] = [];
    const s = stream({
      maxBatch: 3,
      accept: (items) => {
        accepted.push(...keys(items));
        return keys(items);
      },
      consume: async (batch) => {
        await sleep(5);
        for (const accepted of batch) consumed.push(...accepted);
      },
    });
    const first = s.publish([item('a'), item('b')]);
    const second = s.publish([item('c'), item('d'), item('e')]);
    const third = s.publish([item('f')]);
    await Promise.resolve();
    assert.deepEqual(accepted, ['a', 'b', 'c', 'd', 'e', 'f'], 'detection does not wait for the store');
    assert.deepEqual(consumed, []);
    await first;
    assert.deepEqual(consumed.slice(0, 2), ['a', 'b'], 'publish resolves only once its items are consumed');
    await Promise.all([second, third]);
    assert.deepEqual(consumed, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('batches whole publishes up to maxBatch items, a larger publish alone', async () => {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const s = stream({
      maxBatch: 4,
      consume: async (batch) => {
        await gate;
        batches.push(batch.flat());
      },
    });
    const all = [
      s.publish([item('a')]),
      s.publish([item('b'), item('c')]),
      s.publish([item('d'), item('e')]),
      s.publish([item('f'), item('g'), item('h'), item('i'), item('j')]),
      s.publish([item('k')]),
    ];
    release();
    await Promise.all(all);
    assert.deepEqual(batches, [['a'], ['b', 'c', 'd', 'e'], ['f', 'g', 'h', 'i', 'j'], ['k']]);
  });

  it('makes a publisher wait for room, then takes it once the consumer catches up', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const s = stream({ maxItems: 2, enqueueTimeoutMs: 5000, consume: () => gate });
    const first = s.publish([item('a'), item('b')]);
    let secondDone = false;
    const second = s.publish([item('c')]).then(() => (secondDone = true));
    await sleep(20);
    assert.equal(secondDone, false, 'the second publisher is held while the queue is full');
    assert.equal(s.depth, 2);
    release();
    await Promise.all([first, second]);
    assert.equal(s.depth, 0);
  });

  it('refuses a publisher with PublishError when the queue stays full past the timeout', async () => {
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let acceptedCalls = 0;
    const s = stream({
      maxItems: 2,
      enqueueTimeoutMs: 50,
      accept: (items) => {
        acceptedCalls++;
        return keys(items);
      },
      consume: () => blocked,
    });
    const accepted = s.publish([item('a'), item('b')]);
    await assert.rejects(s.publish([item('c')]), PublishError);
    assert.equal(acceptedCalls, 1, 'a refused publish never reaches the detectors');
    release();
    await accepted;
    assert.equal(s.depth, 0);
  });

  it('fails the publishes whose batch the consumer could not store', async () => {
    const s = stream({
      consume: async () => {
        throw new Error('store down');
      },
    });
    await assert.rejects(s.publish([item('a')]), /store down/);
    assert.equal(s.depth, 0);
  });

  it('refuses a single request larger than the whole bound', async () => {
    const s = stream({ maxBytes: 100, consume: async () => undefined });
    await assert.rejects(s.publish([item('a', 500)]), /exceeds the local queue bound/);
  });

  it('refuses new publishes after close and lets the queued ones finish', async () => {
    const consumed: string[] = [];
    const s = stream({
      consume: async (batch) => {
        await sleep(5);
        for (const accepted of batch) consumed.push(...accepted);
      },
    });
    const queued = s.publish([item('a')]);
    await s.close();
    await queued;
    assert.deepEqual(consumed, ['a']);
    await assert.rejects(s.publish([item('b')]), /shutting down/);
  });
});
