// The write pacer on a fake clock: spacing between writes, the per-minute and per-hour budgets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContentPacer } from '../../../gitops/github/content-pacer.ts';

function fakeClock() {
  const clock = { now: 0, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

test('writes are spaced by minSpacingMs', async () => {
  const fake = fakeClock();
  const pacer = new ContentPacer({ minSpacingMs: 1000, now: fake.now, sleep: fake.sleep });
  await Promise.all([pacer.acquire(), pacer.acquire(), pacer.acquire()]);
  assert.deepEqual(fake.clock.sleeps, [1000, 1000]);
  fake.clock.now += 5000;
  await pacer.acquire();
  assert.equal(fake.clock.sleeps.length, 2, 'no wait after a long pause');
});

test('at most perMinute writes in any minute, and perHour in any hour', async () => {
  const fake = fakeClock();
  const pacer = new ContentPacer({
    minSpacingMs: 0,
    perMinute: 80,
    perHour: 100,
    now: fake.now,
    sleep: fake.sleep,
  });
  for (let index = 0; index < 80; index += 1) await pacer.acquire();
  assert.equal(fake.clock.now, 0);
  assert.equal(pacer.delayMs(), 60_000);
  await pacer.acquire();
  assert.equal(fake.clock.now, 60_000, 'the 81st write waits for the first to leave the minute');
  for (let index = 0; index < 19; index += 1) await pacer.acquire();
  assert.equal(pacer.delayMs(), 3_600_000 - 60_000, 'the hour budget of 100 is spent');
});
