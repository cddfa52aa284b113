import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock, flushMicrotasks } from '../../../controller/runtime/clock.ts';
import { ItemExponentialRateLimiter } from '../../../controller/runtime/rate-limiter.ts';
import { WorkQueue } from '../../../controller/runtime/work-queue.ts';

function newQueue(options: { clock?: FakeClock } = {}) {
  const clock = options.clock ?? new FakeClock();
  const queue = new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter({}) });
  return { clock, queue };
}

describe('WorkQueue', () => {
  test('de-duplicates a key that is already waiting', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    assert.equal(queue.len(), 2);
    assert.equal(await queue.get(), 'ns/a');
    assert.equal(await queue.get(), 'ns/b');
    assert.equal(queue.len(), 0);
  });

  test('a key added while processing is queued again once, after done', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    const key = await queue.get();
    assert.equal(key, 'ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    // Not handed out while a worker holds it.
    assert.equal(queue.len(), 0);
    queue.done('ns/a');
    assert.equal(queue.len(), 1);
    assert.equal(await queue.get(), 'ns/a');
    queue.done('ns/a');
    assert.equal(queue.len(), 0);
  });

  test('a worker blocked in get receives the next added key', async () => {
    const { queue } = newQueue();
    const pending = queue.get();
    queue.add('ns/late');
    assert.equal(await pending, 'ns/late');
  });

  test('get with an aborted signal resolves undefined and takes no key', async () => {
    const { queue } = newQueue();
    const controller = new AbortController();
    const pending = queue.get({ signal: controller.signal });
    controller.abort();
    assert.equal(await pending, undefined);
    queue.add('ns/a');
    assert.equal(queue.len(), 1, 'the aborted waiter must not swallow the key');
  });

  test('addAfter delivers keys in deadline order', async () => {
    const { clock, queue } = newQueue();
    queue.addAfter('ns/slow', 300);
    queue.addAfter('ns/fast', 100);
    queue.addAfter('ns/mid', 200);
    await clock.advance(99);
    assert.equal(queue.len(), 0);
    await clock.advance(1);
    assert.equal(queue.len(), 1);
    await clock.advance(200);
    assert.deepEqual(
      [await queue.get(), await queue.get(), await queue.get()],
      ['ns/fast', 'ns/mid', 'ns/slow'],
    );
  });

  test('addAfter: the earliest deadline wins for the same key', async () => {
    const { clock, queue } = newQueue();
    queue.addAfter('ns/a', 500);
    queue.addAfter('ns/a', 100);
    queue.addAfter('ns/a', 800);
    assert.equal(queue.delayedCount(), 1);
    await clock.advance(100);
    assert.equal(queue.len(), 1);
    assert.equal(await queue.get(), 'ns/a');
    queue.done('ns/a');
    // The superseded 500 ms and 800 ms deadlines do not fire again.
    await clock.advance(1000);
    assert.equal(queue.len(), 0);
    assert.equal(queue.delayedCount(), 0);
  });

  test('addAfter: one timer for the nearest deadline across all keys (1,000 schedules, one timer)', async () => {
    const { clock, queue } = newQueue();
    // 1,000 keys, each due at its own second: the queue holds one timer, for the earliest of them.
    for (let i = 1_000; i >= 1; i--) queue.addAfter(`ns/s${i}`, i * 1000);
    assert.equal(clock.pendingTimers(), 1);
    assert.equal(clock.nextDueAt(), clock.now() + 1000);
    assert.equal(queue.delayedCount(), 1_000);
    await clock.advance(1000);
    assert.equal(await queue.get(), 'ns/s1');
    assert.equal(clock.pendingTimers(), 1, 'the timer moved on to the next deadline');
    assert.equal(clock.nextDueAt(), clock.now() + 1000);
    // A later deadline for a waiting key changes nothing; an earlier one re-arms the one timer.
    queue.addAfter('ns/s500', 10_000_000);
    queue.addAfter('ns/s999', 10);
    assert.equal(clock.pendingTimers(), 1);
    assert.equal(clock.nextDueAt(), clock.now() + 10);
    await clock.advance(10);
    assert.equal(await queue.get(), 'ns/s999');
    await clock.advance(1_000_000);
    assert.equal(queue.len(), 998, 'every other schedule came due, each once');
    assert.equal(clock.pendingTimers(), 0);
  });

  test('addAfter with a zero delay adds at once', () => {
    const { queue } = newQueue();
    queue.addAfter('ns/a', 0);
    assert.equal(queue.len(), 1);
  });

  test('addRateLimited backs off exponentially and forget resets it', async () => {
    const { clock, queue } = newQueue();
    const readyAfter: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const before = clock.now();
      queue.addRateLimited('ns/a');
      const advanced = await clock.advanceUntil({
        condition: () => queue.len() === 1,
        stepMs: 1,
        maxMs: 100,
      });
      assert.ok(advanced);
      readyAfter.push(clock.now() - before);
      assert.equal(await queue.get(), 'ns/a');
      queue.done('ns/a');
    }
    assert.deepEqual(readyAfter, [5, 10, 20, 40]);
    assert.equal(queue.numRequeues('ns/a'), 4);
    queue.forget('ns/a');
    assert.equal(queue.numRequeues('ns/a'), 0);
    queue.addRateLimited('ns/a');
    await clock.advance(5);
    assert.equal(queue.len(), 1);
  });

  test('shutDown: adds are ignored, queued keys are still handed out, then undefined', async () => {
    const { clock, queue } = newQueue();
    queue.add('ns/a');
    queue.addAfter('ns/delayed', 10);
    queue.shutDown();
    queue.add('ns/b');
    assert.equal(await queue.get(), 'ns/a');
    assert.equal(await queue.get(), undefined);
    await clock.advance(20);
    assert.equal(queue.len(), 0, 'delayed keys are dropped at shutdown');
    assert.equal(clock.pendingTimers(), 0);
  });

  test('shutDown releases every worker blocked in get', async () => {
    const { queue } = newQueue();
    const waiting = [queue.get(), queue.get(), queue.get()];
    queue.shutDown();
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined, undefined]);
  });

  test('shutDownWithDrain waits for keys being processed', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    const first = await queue.get();
    const second = await queue.get();
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    await flushMicrotasks();
    assert.equal(drained, false);
    queue.done(first!);
    await flushMicrotasks();
    assert.equal(drained, false);
    queue.done(second!);
    await drain;
    assert.equal(drained, true);
  });

  test('metrics hooks observe depth, adds, latency, work duration and retries', async () => {
    const clock = new FakeClock();
    const seen = {
      depth: [] as number[],
      adds: 0,
      latency: [] as number[],
      work: [] as number[],
      retries: 0,
    };
    const queue = new WorkQueue({
      clock,
      name: 'experiments',
      metrics: {
        depth: ({ depth }) => seen.depth.push(depth),
        add: () => seen.adds++,
        queueLatency: ({ ms }) => seen.latency.push(ms),
        workDuration: ({ ms }) => seen.work.push(ms),
        retry: () => seen.retries++,
      },
    });
    queue.add('ns/a');
    queue.add('ns/a');
    await clock.advance(7);
    const key = await queue.get();
    await clock.advance(30);
    queue.done(key!);
    queue.addRateLimited('ns/a');
    assert.equal(seen.adds, 1);
    assert.deepEqual(seen.depth, [1, 0]);
    assert.deepEqual(seen.latency, [7]);
    assert.deepEqual(seen.work, [30]);
    assert.equal(seen.retries, 1);
    queue.shutDown();
  });
});
