// Daylight saving time: a wall-clock time the clock skips runs once, an hour late; one the clock
// passes twice runs once; interval schedules keep real-time spacing. Walked with the controller's
// own timer (requeueAfter), a day at a time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fireTimeOf, ScheduleWorld } from './world.ts';

function runsBetween(options: { schedule: string; timeZone: string; from: string; to: string }): string[] {
  const world = new ScheduleWorld({
    spec: { schedule: options.schedule, timeZone: options.timeZone, concurrencyPolicy: 'Allow' },
    created: options.from,
  });
  world.runUntil(options.to, () => {
    for (const name of world.activeRuns()) world.finish(name);
  });
  return world.created.map(fireTimeOf);
}

test('Europe/Berlin spring-forward: 02:30 does not exist on 29 March; that day runs once, at 03:30 CEST', () => {
  assert.deepEqual(
    runsBetween({
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      from: '2026-03-27T12:00:00Z',
      to: '2026-03-30T12:00:00Z',
    }),
    ['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'],
  );
});

test('Europe/Berlin fall-back: 02:30 happens twice on 25 October and runs once', () => {
  assert.deepEqual(
    runsBetween({
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      from: '2026-10-23T12:00:00Z',
      to: '2026-10-26T12:00:00Z',
    }),
    ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
  );
});

test('America/New_York spring-forward and fall-back', () => {
  assert.deepEqual(
    runsBetween({
      schedule: '30 2 * * *',
      timeZone: 'America/New_York',
      from: '2026-03-06T12:00:00Z',
      to: '2026-03-09T12:00:00Z',
    }),
    ['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z'],
  );
  assert.deepEqual(
    runsBetween({
      schedule: '30 1 * * *',
      timeZone: 'America/New_York',
      from: '2026-10-30T12:00:00Z',
      to: '2026-11-02T12:00:00Z',
    }),
    ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  );
});

test('hourly across New York fall-back runs every real hour, each once', () => {
  const runs = runsBetween({
    schedule: '0 * * * *',
    timeZone: 'America/New_York',
    from: '2026-11-01T03:30:00Z',
    to: '2026-11-01T08:30:00Z',
  });
  assert.deepEqual(runs, [
    '2026-11-01T04:00:00.000Z',
    '2026-11-01T05:00:00.000Z',
    '2026-11-01T06:00:00.000Z',
    '2026-11-01T07:00:00.000Z',
    '2026-11-01T08:00:00.000Z',
  ]);
});

test('a controller that comes back inside the repeated hour does not run the second 02:30 (Berlin)', () => {
  const world = new ScheduleWorld({
    spec: { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' },
    created: '2026-10-24T12:00:00Z',
  });
  world.runUntil('2026-10-25T00:30:10Z');
  world.finish(world.created[0]!);
  // Down for the hour, back at 02:40 CET, after the second 02:30.
  world.now = new Date('2026-10-25T01:40:00Z');
  world.reconcile();
  assert.deepEqual(world.created.map(fireTimeOf), ['2026-10-25T00:30:00.000Z']);
  assert.equal(world.schedule.status?.nextScheduleTime, '2026-10-26T01:30:00.000Z');
});

test('a controller down through the fall-back night with more than 100 fire times missed starts the latest real one', () => {
  // Every minute in Berlin; down from 23:00Z to 01:45Z across the repeated hour.
  const world = new ScheduleWorld({ spec: { timeZone: 'Europe/Berlin' }, created: '2026-10-24T22:59:30Z' });
  world.runUntil('2026-10-24T23:00:10Z');
  world.finish(world.created[0]!);
  world.now = new Date('2026-10-25T01:45:30Z');
  world.reconcile();
  assert.deepEqual(world.created.map(fireTimeOf), ['2026-10-24T23:00:00.000Z', '2026-10-25T01:45:00.000Z']);
  assert.ok(world.events().some((e) => e.startsWith('TooManyMissedTimes')));
});

test('@every keeps its interval across DST (it counts real time, not the wall clock)', () => {
  const runs = runsBetween({
    schedule: '@every 90m',
    timeZone: 'Europe/Berlin',
    from: '2026-10-24T23:00:00Z',
    to: '2026-10-25T05:00:00Z',
  });
  const gaps = runs.slice(1).map((t, i) => (Date.parse(t) - Date.parse(runs[i]!)) / 60_000);
  assert.ok(gaps.length >= 3);
  assert.ok(gaps.every((g) => g === 90));
});
