import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKeyAuthenticator,
  hashApiKey,
  parseApiKeyEntries,
  presentedApiKey,
} from '../../../collector/api-keys.js';
import { InFlightBudget } from '../../../collector/in-flight-budget.js';
import { SpanRateLimiter } from '../../../collector/rate-limiter.js';
import { nextBatchLength, RECORD_OVERHEAD_BYTES } from '../../../collector/record-batches.js';
import { ConfigError } from '../../../platform/index.js';

describe('API keys', () => {
  const auth = new ApiKeyAuthenticator(
    parseApiKeyEntries(
      `# hosts of acme\nacme:${hashApiKey('k1')}\nglobex:${hashApiKey('k2').toUpperCase()}, acme:${hashApiKey('k3')}`,
      'test',
    ),
  );

  it('maps each key to its tenant and nothing else', () => {
    assert.equal(auth.authenticate('k1')?.tenant, 'acme');
    assert.equal(auth.authenticate('k2')?.tenant, 'globex');
    assert.equal(auth.authenticate('k3')?.tenant, 'acme');
    assert.equal(auth.authenticate('k4'), undefined);
    assert.equal(auth.authenticate(''), undefined);
  });

  it('names keys in logs by tenant and digest prefix, never the key', () => {
    const id = auth.authenticate('k1')?.keyId;
    assert.equal(id, `acme/${hashApiKey('k1').slice(0, 8)}`);
    assert.notEqual(auth.authenticate('k1')?.keyId, auth.authenticate('k3')?.keyId);
  });

  it('refuses malformed entries with the source in the message', () => {
    assert.throws(
      () => parseApiKeyEntries('acme:1234', 'MCPTAP_COLLECTOR_API_KEYS'),
      (e: unknown) => e instanceof ConfigError && /MCPTAP_COLLECTOR_API_KEYS/.test(e.message),
    );
    assert.throws(() => parseApiKeyEntries(`:${hashApiKey('x')}`, 'f'), ConfigError);
    assert.throws(() => parseApiKeyEntries(`a b:${hashApiKey('x')}`, 'f'), ConfigError);
  });

  it('reads the key from x-mcptap-api-key, else from a bearer token', () => {
    assert.equal(presentedApiKey({ 'x-mcptap-api-key': 'a', authorization: 'Bearer b' }), 'a');
    assert.equal(presentedApiKey({ authorization: 'bearer b' }), 'b');
    assert.equal(presentedApiKey({ authorization: 'Basic Zm9v' }), undefined);
    assert.equal(presentedApiKey({}), undefined);
  });
});

describe('span rate limiter', () => {
  it('lets a burst through, then refuses with the wait until enough tokens are back', () => {
    let now = 0;
    const limiter = new SpanRateLimiter({ spansPerSecond: 100, burst: 200 }, () => now);
    assert.deepEqual(limiter.take('k', 150), { ok: true });
    assert.deepEqual(limiter.take('k', 100), { ok: false, retryAfterSeconds: 1 });
    now += 500;
    assert.deepEqual(limiter.take('k', 100), { ok: true });
    assert.equal(limiter.exhausted('k'), true);
    assert.equal(limiter.exhausted('other'), false);
  });

  it('keeps keys apart', () => {
    const limiter = new SpanRateLimiter({ spansPerSecond: 10, burst: 10 }, () => 0);
    assert.deepEqual(limiter.take('a', 10), { ok: true });
    assert.deepEqual(limiter.take('b', 10), { ok: true });
    assert.equal(limiter.take('a', 1).ok, false);
  });

  it('passes a request larger than the bucket when it is full, leaving it in debt', () => {
    let now = 0;
    const limiter = new SpanRateLimiter({ spansPerSecond: 10, burst: 10 }, () => now);
    assert.deepEqual(limiter.take('k', 30), { ok: true });
    assert.deepEqual(limiter.take('k', 30), { ok: false, retryAfterSeconds: 3 });
    now += 3000;
    assert.deepEqual(limiter.take('k', 30), { ok: true });
  });

  it('does not limit when the rate is 0', () => {
    const limiter = new SpanRateLimiter({ spansPerSecond: 0, burst: 1 }, () => 0);
    assert.deepEqual(limiter.take('k', 1e9), { ok: true });
    assert.equal(limiter.exhausted('k'), false);
  });
});

describe('byte-bounded batching', () => {
  const records = (sizes: number[]) => sizes.map((bytes) => ({ bytes }));
  const batches = (sizes: number[], budget: number) => {
    const input = records(sizes);
    const out: number[][] = [];
    for (let start = 0; start < input.length;) {
      const length = nextBatchLength(input, start, budget);
      out.push(sizes.slice(start, start + length));
      start += length;
    }
    return out;
  };

  it('keeps every batch under the budget, in order, losing nothing', () => {
    const sizes = [100, 300, 500, 200, 700, 50, 50, 900];
    const budget = 1000 + 3 * RECORD_OVERHEAD_BYTES;
    const out = batches(sizes, budget);
    for (const batch of out)
      assert.ok(batch.reduce((sum, b) => sum + b + RECORD_OVERHEAD_BYTES, 0) <= budget);
    assert.deepEqual(out.flat(), sizes);
    assert.deepEqual(out, [
      [100, 300, 500],
      [200, 700, 50],
      [50, 900],
    ]);
  });

  it('sends a record larger than the budget alone rather than losing it', () => {
    assert.deepEqual(batches([10, 5000, 10], 1000), [[10], [5000], [10]]);
  });

  it('makes no batch of nothing', () => {
    assert.equal(nextBatchLength([], 0, 1000), 0);
  });
});

describe('in-flight budget', () => {
  it('bounds requests and bytes', () => {
    const budget = new InFlightBudget(2, 100);
    assert.ok(budget.enter() && budget.enter());
    assert.equal(budget.enter(), false);
    assert.ok(budget.reserve(60));
    assert.equal(budget.reserve(41), false);
    budget.release(60);
    budget.leave();
    assert.ok(budget.enter() && budget.reserve(100));
    assert.equal(budget.bytes, 100);
    assert.equal(budget.requests, 2);
  });
});
