// When the batch consumer hands over a batch (platform/kafka/batch-due.ts): pure, no servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchDueInMs, type QueuedBatchPart } from '../../../platform/kafka/batch-due.js';

const limits = { batchRows: 100, batchWaitMs: 1000, insertsInFlight: 2 };
const idle = { insertsRunning: 0, caughtUp: true };
const part = (rows: number, queuedAt: number, behind = false): QueuedBatchPart => ({
  rows: Array.from({ length: rows }),
  queuedAt,
  behind,
});

describe('sink batching', () => {
  it('waits for rows while nothing is queued', () => {
    assert.equal(batchDueInMs([], 5000, limits, idle), Infinity);
  });

  it('holds a partial batch for up to batchWaitMs from its oldest row while the sink keeps up', () => {
    const queue = [part(10, 1000), part(20, 1500)];
    assert.equal(batchDueInMs(queue, 1200, limits, idle), 800);
    assert.equal(batchDueInMs(queue, 2000, limits, idle), 0);
    assert.equal(batchDueInMs(queue, 9000, limits, idle), 0);
  });

  it('writes a full batch at once', () => {
    assert.equal(batchDueInMs([part(60, 1000), part(40, 1000)], 1000, limits, idle), 0);
  });

  it('writes at once the rows of a partition fetched while behind the end of its log', () => {
    assert.equal(batchDueInMs([part(10, 1000), part(5, 1000, true)], 1000, limits, idle), 0);
  });

  it('lets a partial batch grow while an insert runs and more rows wait in Kafka', () => {
    const catchingUp = { insertsRunning: 1, caughtUp: false };
    assert.equal(batchDueInMs([part(10, 1000, true)], 1000, limits, catchingUp), Infinity);
    assert.equal(batchDueInMs([part(10, 1000)], 5000, limits, catchingUp), Infinity);
  });

  it('writes the end of a backlog beside a running insert once every partition is fetched to its end', () => {
    const running = { insertsRunning: 1, caughtUp: true };
    assert.equal(batchDueInMs([part(10, 1000, true)], 1000, limits, running), 0);
    assert.equal(batchDueInMs([part(10, 1000)], 1200, limits, running), 800);
  });

  it('starts a second insert for a full batch, never a third', () => {
    assert.equal(batchDueInMs([part(100, 1000)], 1000, limits, { insertsRunning: 1, caughtUp: false }), 0);
    assert.equal(
      batchDueInMs([part(100, 1000)], 9000, limits, { insertsRunning: 2, caughtUp: true }),
      Infinity,
    );
  });

  it('hands over whatever is queued as soon as a slot is free when batches are not to wait (batchWaitMs 0)', () => {
    const atOnce = { ...limits, batchWaitMs: 0 };
    assert.equal(batchDueInMs([part(1, 1000)], 1000, atOnce, idle), 0);
    assert.equal(batchDueInMs([part(1, 1000)], 1000, atOnce, { insertsRunning: 1, caughtUp: false }), 0);
    assert.equal(
      batchDueInMs([part(1, 1000)], 1000, atOnce, { insertsRunning: 2, caughtUp: true }),
      Infinity,
    );
  });
});
