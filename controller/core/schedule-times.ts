// Fire times of a schedule: five-field cron or macros (through cron-parser, a pure calculation),
// and `@every <duration>`, which fires at whole multiples of the interval since the Unix epoch
// so that the times are the same whoever computes them and whenever.
import { type CronExpression, CronExpressionParser } from 'cron-parser';
import { parseDuration } from './duration.ts';

export class ScheduleError extends Error {
  readonly code = 'InvalidSchedule';
  /** The field at fault: the cron expression or the time zone. */
  readonly field: 'schedule' | 'timeZone';
  /** The sentence without the field, for reports that name the field themselves. */
  readonly reason: string;
  constructor(schedule: string, reason: string, field: 'schedule' | 'timeZone' = 'schedule') {
    super(field === 'schedule' ? `schedule "${schedule}" is not valid: ${reason}` : reason);
    this.name = 'ScheduleError';
    this.field = field;
    this.reason = reason;
  }
}

/** Zone names already asked about: building an Intl.DateTimeFormat costs about 0.2 ms, and a repository names few zones. */
const zoneVerdicts = new Map<string, boolean>();
const MAX_REMEMBERED_ZONES = 1000;

/** Whether the runtime knows an IANA time zone name (cron-parser's own error for one it does not is cryptic). */
function knownTimeZone(timeZone: string): boolean {
  const remembered = zoneVerdicts.get(timeZone);
  if (remembered !== undefined) return remembered;
  let known: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    known = true;
  } catch {
    known = false;
  }
  if (zoneVerdicts.size >= MAX_REMEMBERED_ZONES) zoneVerdicts.clear();
  zoneVerdicts.set(timeZone, known);
  return known;
}

export interface ScheduleOptions {
  schedule: string;
  timeZone?: string;
}

function everyInterval(schedule: string): number | undefined {
  if (!schedule.startsWith('@every ')) return undefined;
  let ms: number;
  try {
    ms = parseDuration(schedule.slice('@every '.length).trim());
  } catch (error) {
    throw new ScheduleError(schedule, (error as Error).message);
  }
  if (ms < 1000) throw new ScheduleError(schedule, '@every needs at least 1s');
  return ms;
}

function assertKnownZone({ schedule, timeZone }: ScheduleOptions): void {
  if (timeZone !== undefined && !knownTimeZone(timeZone)) {
    throw new ScheduleError(
      schedule,
      `time zone "${timeZone}" is not known; use an IANA name such as Europe/Berlin, or UTC`,
      'timeZone',
    );
  }
}

/**
 * Parsed expressions by zone and expression. Parsing costs cron-parser about as much as ten fire
 * times, and a controller computes a schedule's fire times on every reconcile of it. One expression
 * object serves every caller: `cron` resets it to the caller's start, and each caller iterates it at
 * once, synchronously (never across an await).
 */
const parsedExpressions = new Map<string, CronExpression>();

function cron({ schedule, timeZone }: ScheduleOptions, currentDate: Date): CronExpression {
  assertKnownZone({ schedule, timeZone });
  const key = `${timeZone ?? ''}\n${schedule}`;
  let expression = parsedExpressions.get(key);
  if (!expression) {
    try {
      expression = CronExpressionParser.parse(schedule, { currentDate, tz: timeZone ?? 'UTC' });
    } catch (error) {
      throw new ScheduleError(schedule, (error as Error).message);
    }
    if (parsedExpressions.size >= MAX_REMEMBERED_SCHEDULES) parsedExpressions.clear();
    parsedExpressions.set(key, expression);
  }
  expression.reset(currentDate);
  return expression;
}

/**
 * UTC has no clock changes, so the first fire time after an instant is the same for every instant
 * between two fire times: an answer of cron-parser, "after `from` comes `next`", holds for the whole
 * span [from, next). A controller asks for the same few spans over and over (each schedule on every
 * reconcile; at a fire, every schedule of an expression at once), and each answer costs cron-parser
 * a tenth of a millisecond or more. A few spans are kept per expression. In a zone with clock changes
 * cron-parser is always asked: around a change, its answer depends on where a walk starts.
 */
const utcSpans = new Map<string, { from: number; next: number }[]>();
const SPANS_PER_EXPRESSION = 4;

function isUtc(timeZone: string | undefined): boolean {
  return timeZone === undefined || timeZone === 'UTC' || timeZone === 'Etc/UTC';
}

/** The first fire time strictly after `after` (ms), of a cron expression in UTC. */
function nextUtcFireTime(options: ScheduleOptions, after: number): number {
  let spans = utcSpans.get(options.schedule);
  const known = spans?.find((span) => span.from <= after && after < span.next);
  if (known) return known.next;
  const next = cron(options, new Date(after)).next().toDate().getTime();
  if (!spans) {
    if (utcSpans.size >= MAX_REMEMBERED_SCHEDULES) utcSpans.clear();
    spans = [];
    utcSpans.set(options.schedule, spans);
  }
  const same = spans.find((span) => span.next === next);
  if (same) same.from = Math.min(same.from, after);
  else {
    spans.unshift({ from: after, next });
    if (spans.length > SPANS_PER_EXPRESSION) spans.pop();
  }
  return next;
}

/**
 * The next `count` fire times strictly after `after`; with `until`, only those at or before it. Each
 * cron fire time costs cron-parser a few hundred microseconds, so a caller that wants the times up to
 * now says so rather than asking for many and filtering.
 */
export function nextFireTimes(
  options: ScheduleOptions & { after: Date; count: number; until?: Date },
): Date[] {
  const interval = everyInterval(options.schedule);
  const until = options.until?.getTime() ?? Number.POSITIVE_INFINITY;
  const times: Date[] = [];
  if (interval !== undefined) {
    let next = (Math.floor(options.after.getTime() / interval) + 1) * interval;
    for (let i = 0; i < options.count && next <= until; i++, next += interval) times.push(new Date(next));
    return times;
  }
  if (isUtc(options.timeZone)) {
    let after = options.after.getTime();
    for (let i = 0; i < options.count; i++) {
      const next = nextUtcFireTime(options, after);
      if (next > until) break;
      times.push(new Date(next));
      after = next;
    }
    return times;
  }
  const iterator = cron(options, options.after);
  for (let i = 0; i < options.count; i++) {
    const next = iterator.next().toDate();
    if (next.getTime() > until) break;
    times.push(next);
  }
  return times;
}

/** The latest fire time at or before `at`. */
export function previousFireTime(options: ScheduleOptions & { at: Date }): Date {
  const interval = everyInterval(options.schedule);
  if (interval !== undefined) return new Date(Math.floor(options.at.getTime() / interval) * interval);
  // cron-parser's prev() is strictly before currentDate; step 1 ms past `at` to include it.
  return cron(options, new Date(options.at.getTime() + 1))
    .prev()
    .toDate();
}

/** Verdicts on expressions already checked, by expression and zone: a repository repeats a few schedules. */
const scheduleVerdicts = new Map<string, { field: 'schedule' | 'timeZone'; reason: string } | null>();
const MAX_REMEMBERED_SCHEDULES = 1000;

/** Throws ScheduleError when the schedule or time zone cannot be evaluated. */
export function checkSchedule(options: ScheduleOptions): void {
  const key = `${options.timeZone ?? ''}\n${options.schedule}`;
  let verdict = scheduleVerdicts.get(key);
  if (verdict === undefined) {
    verdict = null;
    try {
      evaluateSchedule(options);
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      verdict = { field: error.field, reason: error.reason };
    }
    if (scheduleVerdicts.size >= MAX_REMEMBERED_SCHEDULES) scheduleVerdicts.clear();
    scheduleVerdicts.set(key, verdict);
  }
  if (verdict) throw new ScheduleError(options.schedule, verdict.reason, verdict.field);
}

function evaluateSchedule(options: ScheduleOptions): void {
  // Whether the expression can fire at all does not depend on the zone (a zone only moves the times),
  // so the zone is checked by name. Parsing is enough for the expression: cron-parser refuses a day of
  // the month that no month named has (31 in February or April) when it parses, and computing a fire
  // time in a zone cost about ten times the parse.
  assertKnownZone(options);
  if (everyInterval(options.schedule) !== undefined) return;
  try {
    CronExpressionParser.parse(options.schedule, { currentDate: new Date(0), tz: 'UTC' });
  } catch (error) {
    throw new ScheduleError(options.schedule, (error as Error).message);
  }
}
