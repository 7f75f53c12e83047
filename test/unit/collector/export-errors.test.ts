import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OtlpDecodeError } from '../../../otlp/decoded-span.js';
import { PublishError } from '../../../collector/event-publisher.js';
import { ExportRefusal, refusalAnswer } from '../../../collector/export-errors.js';

describe('refusalAnswer (one mapping of failures to OTLP/HTTP answers)', () => {
  it('answers what the sender may retry unchanged with 503 and the configured Retry-After', () => {
    for (const error of [
      new PublishError('Kafka did not acknowledge'),
      new ExportRefusal('retriable', 'at its in-flight memory limit'),
    ]) {
      assert.deepEqual(refusalAnswer(error, 7), {
        status: 503,
        code: 14,
        message: error.message,
        retryAfterSeconds: 7,
      });
    }
  });

  it("answers a tenant's rate limit with 429 and the bucket's own Retry-After", () => {
    const answer = refusalAnswer(new ExportRefusal('rate_limited', 'rate limit', 3), 7);
    assert.equal(answer?.status, 429);
    assert.equal(answer?.code, 8);
    assert.equal(answer?.retryAfterSeconds, 3);
  });

  it('answers what would fail again with 400 and no Retry-After', () => {
    for (const error of [
      new OtlpDecodeError('malformed protobuf at byte 3'),
      new ExportRefusal('invalid', '1 of 1 spans rejected'),
      Object.assign(new Error('not retriable'), { retriable: false }),
    ]) {
      const answer = refusalAnswer(error, 7);
      assert.equal(answer?.status, 400);
      assert.equal(answer?.code, 3);
      assert.equal(answer?.retryAfterSeconds, undefined);
      assert.equal(answer?.message, error.message);
    }
  });

  it('leaves an error that does not say whether it is retriable to the caller, as a bug', () => {
    assert.equal(refusalAnswer(new TypeError('x is undefined'), 7), undefined);
    assert.equal(refusalAnswer('a string', 7), undefined);
  });
});
