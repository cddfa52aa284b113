/** The dead-man switch scheduler, driven by a fake clock. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type DeadlineEntry, DeadlineScheduler } from '../../../../controller/agent/node/deadline.ts';
import { FakeClock } from '../../../../controller/runtime/clock.ts';

function setup(options: { fail?: (entry: DeadlineEntry) => boolean; maxTimerMs?: number } = {}) {
  const clock = new FakeClock({ startMs: 1_000_000 });
  const fired: Array<{ id: string; at: number }> = [];
  const errors: string[] = [];
  const scheduler = new DeadlineScheduler({
    clock,
    retryDelayMs: 500,
    maxTimerMs: options.maxTimerMs,
    onDeadline: async (entry) => {
      fired.push({ id: entry.id, at: clock.now() });
      if (options.fail?.(entry)) throw new Error('recover failed');
    },
    onError: (entry) => errors.push(entry.id),
  });
  return { clock, fired, errors, scheduler };
}

describe('DeadlineScheduler', () => {
  test('recovers each injection at its absolute deadline, in deadline order', async () => {
    const { clock, fired, scheduler } = setup();
    scheduler.schedule({ id: 'b', deadlineMs: 1_002_000 });
    scheduler.schedule({ id: 'a', deadlineMs: 1_001_000 });
    await clock.advance(999);
    assert.equal(fired.length, 0);
    await clock.advance(1);
    assert.deepEqual(fired, [{ id: 'a', at: 1_001_000 }]);
    await clock.advance(1000);
    assert.deepEqual(
      fired.map((entry) => entry.id),
      ['a', 'b'],
    );
    assert.equal(fired[1]!.at, 1_002_000);
    assert.deepEqual(scheduler.pending(), []);
    assert.equal(clock.pendingTimers(), 0);
  });

  test('a deadline already in the past fires right away', async () => {
    const { clock, fired, scheduler } = setup();
    scheduler.schedule({ id: 'late', deadlineMs: 10 });
    await clock.advance(0);
    assert.deepEqual(
      fired.map((entry) => entry.id),
      ['late'],
    );
  });

  test('cancelled injections do not fire; rescheduling moves the deadline', async () => {
    const { clock, fired, scheduler } = setup();
    scheduler.schedule({ id: 'x', deadlineMs: 1_001_000 });
    scheduler.schedule({ id: 'y', deadlineMs: 1_001_000 });
    assert.equal(scheduler.cancel({ id: 'x' }), true);
    assert.equal(scheduler.cancel({ id: 'nope' }), false);
    scheduler.schedule({ id: 'y', deadlineMs: 1_005_000 });
    await clock.advance(4_999);
    assert.equal(fired.length, 0);
    await clock.advance(1);
    assert.deepEqual(fired, [{ id: 'y', at: 1_005_000 }]);
  });

  test('a failed recovery is retried until it succeeds', async () => {
    let failures = 2;
    const { clock, fired, errors, scheduler } = setup({ fail: () => failures-- > 0 });
    scheduler.schedule({ id: 'z', deadlineMs: 1_000_100 });
    await clock.advance(100);
    await clock.advance(500);
    await clock.advance(500);
    await scheduler.idle();
    assert.deepEqual(
      fired.map((entry) => entry.at),
      [1_000_100, 1_000_600, 1_001_100],
    );
    assert.deepEqual(errors, ['z', 'z']);
    await clock.advance(10_000);
    assert.equal(fired.length, 3, 'no retry after success');
  });

  test('far deadlines are reached in bounded timer steps', async () => {
    const { clock, fired, scheduler } = setup({ maxTimerMs: 1000 });
    scheduler.schedule({ id: 'far', deadlineMs: 1_000_000 + 10_500 });
    assert.equal(clock.nextDueAt(), 1_001_000, 'first step is maxTimerMs away');
    await clock.advance(10_499);
    assert.equal(fired.length, 0);
    await clock.advance(1);
    assert.deepEqual(fired, [{ id: 'far', at: 1_010_500 }]);
  });

  test('stop() disarms the timer', async () => {
    const { clock, fired, scheduler } = setup();
    scheduler.schedule({ id: 'q', deadlineMs: 1_000_010 });
    scheduler.stop();
    await clock.advance(100);
    assert.equal(fired.length, 0);
    assert.throws(() => scheduler.schedule({ id: 'r', deadlineMs: Number.NaN }), RangeError);
  });
});
