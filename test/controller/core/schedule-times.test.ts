import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CronExpressionParser } from 'cron-parser';
import {
  checkSchedule,
  nextFireTimes,
  previousFireTime,
  ScheduleError,
} from '../../../controller/core/schedule-times.ts';

test('cron in a time zone', () => {
  const times = nextFireTimes({
    schedule: '0 10 * * 1-5',
    timeZone: 'Europe/Berlin',
    after: new Date('2026-11-27T12:00:00Z'),
    count: 3,
  });
  assert.deepEqual(
    times.map((t) => t.toISOString()),
    ['2026-11-30T09:00:00.000Z', '2026-12-01T09:00:00.000Z', '2026-12-02T09:00:00.000Z'],
  );
});

test('@every fires at whole multiples of the interval', () => {
  const times = nextFireTimes({ schedule: '@every 15m', after: new Date('2026-11-25T10:07:00Z'), count: 2 });
  assert.deepEqual(
    times.map((t) => t.toISOString()),
    ['2026-11-25T10:15:00.000Z', '2026-11-25T10:30:00.000Z'],
  );
  assert.equal(
    previousFireTime({ schedule: '@every 15m', at: new Date('2026-11-25T10:15:00Z') }).toISOString(),
    '2026-11-25T10:15:00.000Z',
  );
});

test('until: only the fire times at or before it, however many were asked for', () => {
  const after = new Date('2026-05-04T10:00:30Z');
  const until = new Date('2026-05-04T10:03:00Z');
  for (const schedule of ['* * * * *', '@every 1m']) {
    assert.deepEqual(
      nextFireTimes({ schedule, after, count: 101, until }).map((t) => t.toISOString()),
      ['2026-05-04T10:01:00.000Z', '2026-05-04T10:02:00.000Z', '2026-05-04T10:03:00.000Z'],
      schedule,
    );
    assert.deepEqual(nextFireTimes({ schedule, after, count: 101, until: after }), [], schedule);
    assert.equal(nextFireTimes({ schedule, after, count: 2, until }).length, 2, schedule);
  }
});

test('a parsed expression is reused: each call starts from its own time', () => {
  const options = { schedule: '0 10 * * 1-5', timeZone: 'Europe/Berlin' };
  const later = nextFireTimes({ ...options, after: new Date('2026-12-01T12:00:00Z'), count: 1 });
  const earlier = nextFireTimes({ ...options, after: new Date('2026-11-27T12:00:00Z'), count: 1 });
  assert.deepEqual(
    [...later, ...earlier].map((t) => t.toISOString()),
    ['2026-12-02T09:00:00.000Z', '2026-11-30T09:00:00.000Z'],
  );
  assert.equal(
    previousFireTime({ ...options, at: new Date('2026-12-01T12:00:00Z') }).toISOString(),
    '2026-12-01T09:00:00.000Z',
  );
});

test('previousFireTime includes the instant itself', () => {
  const at = new Date('2026-11-25T10:00:00Z');
  assert.equal(previousFireTime({ schedule: '@hourly', at }).toISOString(), at.toISOString());
});

test('invalid schedules and zones are ScheduleErrors', () => {
  assert.throws(() => checkSchedule({ schedule: '0 25 * * *' }), ScheduleError);
  assert.throws(() => checkSchedule({ schedule: '@every 10ms' }), /at least 1s/);
  assert.throws(() => checkSchedule({ schedule: '0 * * * *', timeZone: 'Mars/Olympus' }), ScheduleError);
});

test('UTC: every answer is what cron-parser says, whatever was asked before (answers are remembered by span)', () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const start = Date.parse('2024-02-27T00:00:00Z');
  for (const schedule of ['* * * * *', '*/7 3-5 * * 1', '0 0 29 2 *', '@hourly', '30 2 * * *']) {
    const fresh = (after: number, count: number) => {
      const expression = CronExpressionParser.parse(schedule, { currentDate: new Date(after), tz: 'UTC' });
      return Array.from({ length: count }, () => expression.next().toDate().toISOString());
    };
    for (let i = 0; i < 150; i++) {
      // Near each other and far apart, on fire times and between them, to the millisecond.
      const after =
        i % 3 === 0
          ? start + Math.floor(random() * 3 * 365 * 86_400_000)
          : start + Math.floor(random() * 4) * 60_000 + (i % 2 ? 0 : Math.floor(random() * 60_000));
      const count = 1 + (i % 3);
      for (const timeZone of [undefined, 'UTC']) {
        assert.deepEqual(
          nextFireTimes({ schedule, timeZone, after: new Date(after), count }).map((t) => t.toISOString()),
          fresh(after, count),
          `${schedule} after ${new Date(after).toISOString()}`,
        );
      }
    }
  }
});
