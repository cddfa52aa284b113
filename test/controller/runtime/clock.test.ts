import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock, sleep, systemClock } from '../../../controller/runtime/clock.ts';

describe('FakeClock', () => {
  test('fires timers in due order, ties in creation order, and only when time reaches them', async () => {
    const clock = new FakeClock({ startMs: 0 });
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    const cancelled = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cancelled);
    await clock.advance(19);
    assert.deepEqual(fired, ['a@10']);
    await clock.advance(1);
    assert.deepEqual(fired, ['a@10', 'b@20', 'c@20']);
    assert.equal(clock.now(), 20);
    assert.equal(clock.pendingTimers(), 0);
  });

  test('timers armed by async code during advance fire in the same advance', async () => {
    const clock = new FakeClock({ startMs: 0 });
    const wakeups: number[] = [];
    const loop = (async () => {
      for (let round = 0; round < 3; round++) {
        await sleep({ clock, ms: 100 });
        wakeups.push(clock.now());
      }
    })();
    await clock.advance(1_000);
    await loop;
    assert.deepEqual(wakeups, [100, 200, 300]);
  });

  test('sleep resolves false as soon as the signal aborts', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = sleep({ clock, ms: 60_000, signal: controller.signal });
    controller.abort();
    assert.equal(await sleeping, false);
    assert.equal(clock.pendingTimers(), 0);
  });

  test('the system clock really waits (a few ms)', async () => {
    const start = systemClock.now();
    assert.equal(await sleep({ clock: systemClock, ms: 5 }), true);
    assert.ok(systemClock.now() - start >= 4);
  });
});
