import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../../../controller/runtime/clock.ts';
import {
  defaultControllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from '../../../controller/runtime/rate-limiter.ts';

describe('ItemExponentialRateLimiter', () => {
  test('doubles from the 5 ms base per failure of a key', () => {
    const limiter = new ItemExponentialRateLimiter();
    const delays = Array.from({ length: 6 }, () => limiter.when('ns/a'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 160]);
    assert.equal(limiter.when('ns/other'), 5, 'keys back off independently');
    assert.equal(limiter.numRequeues('ns/a'), 6);
  });

  test('caps at 1000 s by default, even after very many failures', () => {
    const limiter = new ItemExponentialRateLimiter();
    let last = 0;
    for (let failure = 0; failure < 2000; failure++) last = limiter.when('ns/a');
    assert.equal(last, 1_000_000);
    // 5 ms * 2^17 = 655 s is the last step below the cap, 2^18 is above it.
    const fresh = new ItemExponentialRateLimiter();
    const delays = Array.from({ length: 19 }, () => fresh.when('k'));
    assert.equal(delays[17], 655_360);
    assert.equal(delays[18], 1_000_000);
  });

  test('base and cap are configurable; forget resets', () => {
    const limiter = new ItemExponentialRateLimiter({ baseDelayMs: 100, maxDelayMs: 350 });
    assert.deepEqual(
      [limiter.when('k'), limiter.when('k'), limiter.when('k'), limiter.when('k')],
      [100, 200, 350, 350],
    );
    limiter.forget('k');
    assert.equal(limiter.numRequeues('k'), 0);
    assert.equal(limiter.when('k'), 100);
  });

  test('rejects impossible options with a stable code', () => {
    assert.throws(() => new ItemExponentialRateLimiter({ baseDelayMs: 0 }), { code: 'InvalidOptions' });
    assert.throws(() => new ItemExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 5 }), {
      code: 'InvalidOptions',
    });
  });
});

describe('TokenBucketRateLimiter', () => {
  test('lets a burst through, then spaces requests at 1/qps', async () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter({ clock, qps: 10, burst: 3 });
    assert.deepEqual([limiter.when('a'), limiter.when('b'), limiter.when('c')], [0, 0, 0]);
    assert.equal(limiter.when('d'), 100);
    assert.equal(limiter.when('e'), 200);
    await clock.advance(1000);
    // One second refills 10 tokens, but the bucket holds at most 3 and two were owed.
    assert.equal(limiter.when('f'), 0);
  });
});

describe('defaultControllerRateLimiter', () => {
  test('is the max of per-key exponential back-off and the overall bucket', () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter({ clock, qps: 10, burst: 2 });
    assert.equal(limiter.when('a'), 5);
    assert.equal(limiter.when('b'), 5);
    // The bucket is empty now: its 100 ms wait beats b's 10 ms back-off.
    assert.equal(limiter.when('b'), 100);
    assert.equal(limiter.numRequeues('b'), 2);
    limiter.forget('b');
    assert.equal(limiter.numRequeues('b'), 0);
  });

  test('MaxOfRateLimiter needs at least one limiter', () => {
    assert.throws(() => new MaxOfRateLimiter({ limiters: [] }), { code: 'InvalidOptions' });
  });
});
