// Which fire time is due now: CronJob's rule. The fire times after the schedule last created a run
// (or since it was created or its spec last written) and up to now are missed; only the latest of
// them runs, and only while it is within startingDeadlineSeconds of its time.
import { nextFireTimes, previousFireTime, type ScheduleOptions } from '../schedule-times.ts';

/** More missed fire times than this get a Warning event (CronJob's "too many missed start times"); the latest still runs. */
export const tooManyMissed = 100;

/**
 * How far back from cron-parser's previous fire time the forward walk starts. In the hour a clock
 * falls back, the previous fire time can be the second copy of a wall time that the forward walk
 * (which decides the fire times) counts once; starting two hours earlier finds the first copy.
 */
const fallBackMarginMs = 2 * 3600_000;

export interface DueRun {
  /** The fire time to run now. */
  at: Date;
  /** Fire times missed since `since`, this one included; `tooManyMissed + 1` stands for "more than tooManyMissed". */
  missed: number;
}

export function dueRun(
  options: ScheduleOptions & {
    /** Fire times at or before this one are not due (the last run's, or when the spec took effect). */
    since: Date;
    startingDeadlineSeconds?: number;
    now: Date;
  },
): DueRun | undefined {
  const { now } = options;
  const deadlineMs =
    options.startingDeadlineSeconds === undefined ? undefined : options.startingDeadlineSeconds * 1000;
  const from =
    deadlineMs === undefined
      ? options.since
      : new Date(Math.max(options.since.getTime(), now.getTime() - deadlineMs - 1));
  const first = nextFireTimes({ ...options, after: from, count: tooManyMissed + 1, until: now });
  if (first.length === 0) return undefined;
  const at = first.length <= tooManyMissed ? first.at(-1)! : latestFireTime({ ...options, from, now });
  return { at, missed: first.length };
}

/** The latest fire time after `from` and at or before `now`, walking forward as nextFireTimes decides them. */
function latestFireTime(options: ScheduleOptions & { from: Date; now: Date }): Date {
  const previous = previousFireTime({ ...options, at: options.now });
  let after = new Date(Math.max(options.from.getTime(), previous.getTime() - fallBackMarginMs));
  let latest = previous;
  for (;;) {
    const batch = nextFireTimes({ ...options, after, count: 64 });
    for (const time of batch) {
      if (time > options.now) return latest;
      latest = time;
    }
    after = batch.at(-1)!;
  }
}

/** The first fire time strictly after `now`. */
export function nextFireTime(options: ScheduleOptions & { now: Date }): Date {
  return nextFireTimes({ ...options, after: options.now, count: 1 })[0]!;
}
