// The schedule lifecycle as one pure decision, with CronJob's semantics: given the schedule, the
// runs it owns, the guardrails' facts and the time, say which run to create or delete, the status
// and when to look again. The controller performs the actions, writes the status and calls again;
// a restart continues from the status and the runs, never creating a run twice (a run's name is
// derived from its fire time).
//
//   deleted ─▶ delete every run ─▶ (runs gone: their faults recovered) ─▶ finalizer released
//   no finalizer ─▶ add it first
//   invalid schedule or time zone ─▶ Ready=False, no runs
//   suspend ─▶ Ready=True Suspended, no runs
//   a fire time is due ─▶ guardrails (admitRun) ─▶ concurrencyPolicy ─▶ create the run
//                          hold: RunWaiting=True until it lifts, within startingDeadlineSeconds
import { scheduleFinalizer } from '../../api/contract.ts';
import type { ChaosScheduleStatus, Condition } from '../../api/types.generated.ts';
import { findCondition, setCondition } from '../conditions.ts';
import type { RefusalReason } from '../experiment/admit-run.ts';
import { specWrittenAt } from '../experiment/revision.ts';
import type { EventRecord } from '../experiment/types.ts';
import { nextFireTimes, ScheduleError, type ScheduleOptions } from '../schedule-times.ts';
import { type DueRun, dueRun, nextFireTime, tooManyMissed } from './due-run.ts';
import { heldRunFate, judgeScheduledRun } from './run-verdict.ts';
import {
  byScheduledTime,
  historyLimits,
  lastSuccessfulTime,
  runManifest,
  runOutcome,
  runsBeyondHistory,
} from './runs.ts';
import type { ObservedRun, ObservedSchedule, ScheduleAction, SchedulePlan } from './types.ts';

/** The condition saying a due run is held back, and why; its message names the fire time. */
export const runWaitingCondition = 'RunWaiting';

type ReadyReason = 'Scheduled' | 'Suspended' | 'InvalidSchedule' | 'UnknownTimeZone' | RefusalReason;

class ScheduleStep {
  readonly observed: ObservedSchedule;
  status: ChaosScheduleStatus;
  readonly actions: ScheduleAction[] = [];
  readonly events: EventRecord[] = [];
  requeueAfterMs: number | undefined;

  constructor(observed: ObservedSchedule) {
    this.observed = observed;
    this.status = structuredClone(observed.schedule.status ?? {});
  }

  get now(): Date {
    return this.observed.now;
  }

  condition(type: string, status: Condition['status'], reason: string, message: string): void {
    this.status.conditions = setCondition(
      this.status.conditions,
      { type, status, reason, message, observedGeneration: this.observed.schedule.metadata.generation },
      this.now,
    );
  }

  ready(status: 'True' | 'False', reason: ReadyReason, message: string): void {
    const before = findCondition(this.status.conditions, 'Ready');
    this.condition('Ready', status, reason, message);
    if (before?.reason !== reason && (status === 'False' || before))
      this.events.push({ type: status === 'False' ? 'Warning' : 'Normal', reason, message });
  }

  requeueAt(time: Date): void {
    const ms = Math.max(0, time.getTime() - this.now.getTime());
    this.requeueAfterMs = Math.min(this.requeueAfterMs ?? Number.POSITIVE_INFINITY, ms);
  }

  plan(): SchedulePlan {
    return {
      actions: this.actions,
      status: this.status,
      events: this.events,
      ...(this.requeueAfterMs === undefined ? {} : { requeueAfterMs: this.requeueAfterMs }),
    };
  }
}

export function planSchedule(observed: ObservedSchedule): SchedulePlan {
  const step = new ScheduleStep(observed);
  const { metadata, spec } = observed.schedule;
  if (metadata.deletionTimestamp) return planDeletion(step);
  // Finalizer first: no run may exist that a deletion of the schedule could leave behind.
  if (!metadata.finalizers?.includes(scheduleFinalizer)) {
    step.actions.push({ type: 'addFinalizer' });
    step.requeueAfterMs = 0;
    return step.plan();
  }
  step.status.observedGeneration = metadata.generation;

  const pruned = new Set<string>();
  for (const run of runsBeyondHistory(observed.runs, historyLimits(spec))) {
    step.actions.push({ type: 'deleteRun', name: run.metadata.name, uid: run.metadata.uid, why: 'history' });
    pruned.add(run.metadata.name);
  }
  const active = observed.runs.filter((run) => runOutcome(run) === 'active').sort(byScheduledTime);
  setActive(step, active);
  const lastSuccess = lastSuccessfulTime(observed.runs, step.status.lastSuccessfulTime);
  if (lastSuccess) step.status.lastSuccessfulTime = lastSuccess;

  const times = { schedule: spec.schedule, timeZone: spec.timeZone };
  let next: Date;
  try {
    next = nextFireTime({ ...times, now: observed.now });
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    delete step.status.nextScheduleTime;
    step.ready('False', error.field === 'timeZone' ? 'UnknownTimeZone' : 'InvalidSchedule', error.message);
    settleWaiting(step, undefined);
    return step.plan();
  }
  if (spec.suspend) {
    delete step.status.nextScheduleTime;
    step.ready('True', 'Suspended', 'spec.suspend is true: no runs are created');
    settleWaiting(step, undefined);
    return step.plan();
  }
  step.status.nextScheduleTime = next.toISOString();
  step.requeueAt(next);

  const judged = {
    namespace: metadata.namespace ?? 'default',
    scheduleName: metadata.name,
    template: spec.template.spec,
    policy: observed.policy,
    ...(observed.mode ? { mode: observed.mode } : {}),
  };
  const verdict = judgeScheduledRun({ ...judged, at: observed.now });
  if (verdict.verdict === 'refuse')
    step.ready('False', verdict.reason, `runs are refused: ${verdict.message}`);
  else step.ready('True', 'Scheduled', `runs on "${spec.schedule}" in ${spec.timeZone ?? 'UTC'}`);

  const due = dueRun({
    ...times,
    since: since(observed),
    startingDeadlineSeconds: spec.startingDeadlineSeconds,
    now: observed.now,
  });
  if (!due) {
    settleWaiting(step, undefined);
    return step.plan();
  }
  const run = runManifest({
    schedule: observed.schedule,
    scheduledTime: due.at,
    revision: observed.revision,
  });
  // Created before a restart (or the status write was lost): record it, never create it twice.
  if (observed.runs.some((r) => r.metadata.name === run.metadata.name)) {
    step.status.lastScheduleTime = due.at.toISOString();
    settleWaiting(step, due.at);
    return step.plan();
  }
  // A blackout window at the fire time itself takes the run, unless the deadline lets it start late.
  const atFireTime = judgeScheduledRun({ ...judged, at: due.at });
  if (atFireTime.verdict === 'wait' && atFireTime.retryAt) {
    const fate = heldRunFate({
      at: due.at,
      next: nextFireAfter(times, due.at),
      liftsAt: atFireTime.retryAt,
      startingDeadlineSeconds: spec.startingDeadlineSeconds,
    });
    if (fate.fate === 'skipped') {
      skip(step, due, `${atFireTime.message.replace(/^waiting: /, '')}; ${fate.why}`);
      return step.plan();
    }
    if (observed.now < fate.until) {
      hold(step, due, atFireTime.reason, atFireTime.message.replace(/^waiting: /, ''));
      step.requeueAt(fate.until);
      return step.plan();
    }
  }
  if (verdict.verdict !== 'start') {
    hold(step, due, verdict.reason, verdict.message.replace(/^waiting: /, ''));
    if (verdict.verdict === 'wait' && verdict.retryAt) step.requeueAt(verdict.retryAt);
    return step.plan();
  }
  const running = active.filter((r) => !pruned.has(r.metadata.name));
  const policy = spec.concurrencyPolicy || 'Forbid';
  if (running.length && policy === 'Forbid') {
    hold(step, due, 'ConcurrencyPolicy', `${names(running)} still going (concurrencyPolicy Forbid)`);
    return step.plan();
  }
  if (running.length && policy === 'Replace') {
    for (const old of running.filter((r) => !r.metadata.deletionTimestamp)) {
      step.actions.push({
        type: 'deleteRun',
        name: old.metadata.name,
        uid: old.metadata.uid,
        why: 'replaced',
      });
      step.events.push({
        type: 'Normal',
        reason: 'RunReplaced',
        message: `stopping ${old.metadata.name} (its faults are recovered) before the run due at ${due.at.toISOString()} starts (concurrencyPolicy Replace)`,
      });
    }
    hold(step, due, 'ReplacingRun', `${names(running)} being stopped first (concurrencyPolicy Replace)`);
    return step.plan();
  }

  step.actions.push({ type: 'createRun', run, scheduledTime: due.at });
  step.status.lastScheduleTime = due.at.toISOString();
  setActive(step, [...active, { metadata: { name: run.metadata.name } }]);
  settleWaiting(step, due.at);
  step.events.push({ type: 'Normal', reason: 'RunCreated', message: createdMessage(run.metadata.name, due) });
  if (due.missed > tooManyMissed) {
    step.events.push({
      type: 'Warning',
      reason: 'TooManyMissedTimes',
      message: `more than ${tooManyMissed} fire times were missed; only the latest (${due.at.toISOString()}) runs. Set startingDeadlineSeconds to bound how late a run may start`,
    });
  }
  return step.plan();
}

/**
 * Fire times at or before this are not due: the last run's, and never before the schedule existed
 * or before its current spec was written (an edit does not start runs for times before it).
 */
function since(observed: ObservedSchedule): Date {
  const { metadata, status } = observed.schedule;
  const candidates = [
    Date.parse(status?.lastScheduleTime ?? ''),
    Date.parse(metadata.creationTimestamp ?? ''),
    specWrittenAt(metadata) ?? Number.NaN,
  ].filter((t) => !Number.isNaN(t));
  return new Date(candidates.length ? Math.max(...candidates) : observed.now.getTime());
}

function nextFireAfter(times: ScheduleOptions, at: Date): Date | undefined {
  return nextFireTimes({ ...times, after: at, count: 1 })[0];
}

/** The due run is skipped for good (a blackout window at its fire time): said once, by the condition and an event. */
function skip(step: ScheduleStep, due: DueRun, why: string): void {
  const at = due.at.toISOString();
  skippedUnless(step, at);
  const message = `the run due at ${at} was skipped: ${why}`;
  const before = findCondition(step.status.conditions, runWaitingCondition);
  step.condition(runWaitingCondition, 'False', 'Skipped', message);
  if (before?.message !== message) step.events.push({ type: 'Warning', reason: 'RunSkipped', message });
}

function setActive(step: ScheduleStep, active: readonly ObservedRun[]): void {
  if (active.length === 0) delete step.status.active;
  else
    step.status.active = active.map((r) => ({
      name: r.metadata.name,
      ...(r.metadata.uid ? { uid: r.metadata.uid } : {}),
    }));
}

function names(runs: readonly ObservedRun[]): string {
  const listed = runs.map((r) => r.metadata.name);
  return `${listed.length === 1 ? 'run' : 'runs'} ${listed.join(', ')} ${listed.length === 1 ? 'is' : 'are'}`;
}

function createdMessage(name: string, due: DueRun): string {
  const late =
    due.missed > 1
      ? ` (${due.missed > tooManyMissed ? `more than ${tooManyMissed}` : due.missed} fire times were missed; only the latest runs)`
      : '';
  return `created run ${name} for ${due.at.toISOString()}${late}`;
}

const waitingPrefix = /^the run due at (\S+) waits/;

/** The fire time a RunWaiting condition holds back, if it holds one. */
function heldTime(step: ScheduleStep): string | undefined {
  const waiting = findCondition(step.status.conditions, runWaitingCondition);
  return waiting?.status === 'True' ? waitingPrefix.exec(waiting.message)?.[1] : undefined;
}

/** A due run cannot start now: say why; it starts when the hold lifts, within startingDeadlineSeconds. */
function hold(step: ScheduleStep, due: DueRun, reason: string, why: string): void {
  const at = due.at.toISOString();
  const before = findCondition(step.status.conditions, runWaitingCondition);
  skippedUnless(step, at);
  const deadline = step.observed.schedule.spec.startingDeadlineSeconds;
  const until =
    deadline === undefined
      ? ''
      : `; skipped unless it can start by ${new Date(due.at.getTime() + deadline * 1000).toISOString()}`;
  const message = `the run due at ${at} waits: ${why}${until}`;
  step.condition(runWaitingCondition, 'True', reason, message);
  if (before?.status !== 'True' || before.message !== message)
    step.events.push({ type: 'Normal', reason: 'RunWaiting', message });
  // Look again when the deadline passes, to say the run was skipped.
  if (deadline !== undefined) step.requeueAt(new Date(due.at.getTime() + deadline * 1000 + 1000));
}

/** No run is held any more: the held one started (`started`), or it was skipped. */
function settleWaiting(step: ScheduleStep, started: Date | undefined): void {
  const before = findCondition(step.status.conditions, runWaitingCondition);
  if (!before) return;
  skippedUnless(step, started?.toISOString());
  if (before.status !== 'False')
    step.condition(runWaitingCondition, 'False', 'NothingWaiting', 'no run is held back');
}

function skippedUnless(step: ScheduleStep, at: string | undefined): void {
  const held = heldTime(step);
  if (!held || held === at) return;
  const deadline = step.observed.schedule.spec.startingDeadlineSeconds;
  step.events.push({
    type: 'Warning',
    reason: 'RunSkipped',
    message: `the run due at ${held} was skipped: it could not start ${deadline === undefined ? 'before a later fire time' : `within startingDeadlineSeconds (${deadline}) or before a later fire time`}`,
  });
}

function planDeletion(step: ScheduleStep): SchedulePlan {
  const { runs, schedule } = step.observed;
  if (!schedule.metadata.finalizers?.includes(scheduleFinalizer)) return step.plan();
  if (runs.length === 0) {
    step.actions.push({ type: 'removeFinalizer' });
    return step.plan();
  }
  const toDelete = runs.filter((run) => !run.metadata.deletionTimestamp);
  for (const run of toDelete)
    step.actions.push({
      type: 'deleteRun',
      name: run.metadata.name,
      uid: run.metadata.uid,
      why: 'scheduleDeleted',
    });
  if (toDelete.length) {
    step.events.push({
      type: 'Normal',
      reason: 'RemovingRuns',
      message: `the schedule is being deleted: removing ${toDelete.length} run(s); each recovers its faults before it goes, then the schedule goes`,
    });
  }
  setActive(step, runs.filter((run) => runOutcome(run) === 'active').sort(byScheduledTime));
  return step.plan();
}
