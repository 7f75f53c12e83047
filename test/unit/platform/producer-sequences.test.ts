import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionKey, ProducerSequences } from '../../../platform/kafka/producer-sequences.js';

describe('producer sequences', () => {
  it('numbers a partition from 0 and advances it only by acknowledged records', () => {
    const sequences = new ProducerSequences();
    const events = partitionKey('mcptap.events.v1', 3);
    assert.equal(sequences.next(events), 0);
    sequences.acknowledged(events, 5);
    assert.equal(sequences.next(events), 5, 'a batch not yet acknowledged keeps its base sequence');
    sequences.acknowledged(events, 2);
    assert.equal(sequences.next(events), 7);
  });

  it('keeps each partition of each topic apart', () => {
    const sequences = new ProducerSequences();
    sequences.acknowledged(partitionKey('a', 1), 4);
    assert.equal(sequences.next(partitionKey('a', 0)), 0);
    assert.equal(sequences.next(partitionKey('b', 1)), 0);
    assert.notEqual(partitionKey('a', 11), partitionKey('a1', 1));
  });

  it('wraps to 0 after 2^31 - 1, as Kafka does', () => {
    const sequences = new ProducerSequences();
    const key = partitionKey('t', 0);
    sequences.acknowledged(key, 2 ** 31 - 2);
    assert.equal(sequences.next(key), 2 ** 31 - 2);
    sequences.acknowledged(key, 3);
    assert.equal(sequences.next(key), 1);
  });
});
