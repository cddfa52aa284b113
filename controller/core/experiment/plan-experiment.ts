// The experiment lifecycle as one pure decision: given the experiment, what is observed and the
// time, say what to do next. Each call advances one step; the controller writes the status,
// performs the actions and calls again. Because every step is derived from the status alone,
// a controller that restarts anywhere continues where the status says it was.
//
//   new ─▶ WaitingForHypothesis ─▶ Injecting ─▶ Running ─▶ Recovering ─▶ (after probes) ─▶ Completed
//    │ ▲          │ broken                            │ broken / a guardrail denies / spec changed
//    ▼ │          ▼                                   ▼
//    │ Suspended, BlackoutWindow,             Recovering ─▶ HypothesisFailed | Aborted
//    │ ConcurrencyLimit (waiting: admission is tried again)
//    ▼
//  InvalidSpec, PolicyDenied, NoTargets
import { experimentFinalizer, isPodFaultKind } from '../../api/contract.ts';
import type { ChaosExperimentStatus, Condition, Fault, TargetRecord } from '../../api/types.generated.ts';
import { findCondition, setCondition } from '../conditions.ts';
import { formatDuration, parseDuration } from '../duration.ts';
import {
  admitRun,
  describe,
  type RefusalReason,
  recheckRun,
  targetRecords,
  type WaitReason,
} from './admit-run.ts';
import {
  boundedMessage,
  deadlineGraceMs,
  defaultRunTimeouts,
  failUnanswered,
  foldAgentReports,
  mayHoldFault,
} from './agent-reports.ts';
import { namedFaults } from './faults.ts';
import { assessProbes, dueProbes, probesIn } from './probe-progress.ts';
import { summarize } from './report.ts';
import { runStateOf } from './run-state.ts';
import { pruneRecordMessages } from './status-size.ts';
import { type Action, type EventRecord, type ObservedExperiment, type Plan, recordKey } from './types.ts';

type Reason =
  | 'WaitingForHypothesis'
  | 'Injecting'
  | 'Running'
  | 'Recovering'
  | 'Completed'
  | 'HypothesisFailed'
  | 'Aborted'
  | RefusalReason
  | WaitReason
  | 'InjectionFailed';

class Step {
  status: ChaosExperimentStatus;
  readonly actions: Action[] = [];
  readonly events: EventRecord[] = [];
  requeueAfterMs: number | undefined;
  readonly observed: ObservedExperiment;

  constructor(observed: ObservedExperiment) {
    this.observed = observed;
    this.status = structuredClone(observed.experiment.status ?? {});
  }

  get now(): Date {
    return this.observed.now;
  }

  condition(type: string, status: Condition['status'], reason: string, message: string): void {
    const before = findCondition(this.status.conditions, type);
    this.status.conditions = setCondition(
      this.status.conditions,
      { type, status, reason, message, observedGeneration: this.status.observedGeneration },
      this.now,
    );
    if (type === 'Succeeded' && before?.reason !== reason) {
      this.events.push({ type: status === 'False' ? 'Warning' : 'Normal', reason, message });
    }
  }

  succeeded(status: Condition['status'], reason: Reason, message: string): void {
    this.condition('Succeeded', status, reason, message);
  }

  requeue(ms: number): void {
    this.requeueAfterMs = Math.max(0, Math.min(this.requeueAfterMs ?? Number.POSITIVE_INFINITY, ms));
  }

  plan(): Plan {
    pruneRecordMessages(this.status.targets);
    return {
      actions: this.actions,
      status: this.status,
      events: this.events,
      requeueAfterMs: this.requeueAfterMs,
    };
  }
}

export function planExperiment(observed: ObservedExperiment): Plan {
  const step = new Step(observed);
  const { metadata } = observed.experiment;
  const state = runStateOf(observed.experiment);
  const inRun = state === 'running';

  // What the agents reported since the last step, before anything is decided from the records.
  if (inRun || metadata.deletionTimestamp)
    foldAgentReports(step.status.targets ?? [], observed.injections ?? new Map());
  if (metadata.deletionTimestamp) return planDeletion(step, inRun);
  // Finalizer first: nothing may be injected that a deletion could leave behind.
  if (!metadata.finalizers?.includes(experimentFinalizer)) {
    step.actions.push({ type: 'addFinalizer' });
    step.requeue(0);
    return step.plan();
  }
  if (inRun) {
    notePolicySources(step);
    if (!step.status.abort) {
      if (step.status.observedGeneration !== metadata.generation) {
        abort(
          step,
          'SpecChanged',
          'the spec changed during the run; the new spec runs once these faults are recovered',
        );
      } else if (findCondition(step.status.conditions, 'Succeeded')?.reason !== 'Recovering') {
        // Policy can change under a run: what would refuse the run now stops it now.
        const denied = recheckRun({
          experiment: experimentRef(observed),
          policy: observed.policy,
          now: observed.now,
        });
        if (denied.length) abort(step, 'GuardrailDenied', describe(denied));
      }
    }
    return advanceRun(step);
  }
  // A finished run is final for its generation; a changed spec runs again.
  if (state === 'finished') return step.plan();
  return startRun(step);
}

/**
 * Says on the experiment when a policy source could not be read, so whoever watches a run knows
 * the guardrails judged it with the last policies read. Absent until a problem first occurs.
 */
function notePolicySources(step: Step): void {
  const problems = step.observed.policySourceProblems ?? [];
  if (problems.length) {
    step.condition(
      'PolicySourcesReady',
      'False',
      'PolicySourceUnreachable',
      problems.join('; ').slice(0, 4096),
    );
  } else if (findCondition(step.status.conditions, 'PolicySourcesReady')) {
    step.condition('PolicySourcesReady', 'True', 'PolicySourcesRead', 'every policy source was read');
  }
}

function experimentRef(observed: ObservedExperiment) {
  const { metadata, spec } = observed.experiment;
  return { namespace: metadata.namespace ?? 'default', name: metadata.name, spec };
}

function planDeletion(step: Step, inRun: boolean): Plan {
  if (inRun && !step.status.abort) abort(step, 'Deleted', 'the experiment is being deleted');
  // The finalizer is released only once nothing of any fault can be left.
  if (!removeFaults(step)) return step.plan();
  if (inRun) finish(step);
  if (step.observed.experiment.metadata.finalizers?.includes(experimentFinalizer))
    step.actions.push({ type: 'removeFinalizer' });
  return step.plan();
}

function startRun(step: Step): Plan {
  const { experiment, candidates, policy, now } = step.observed;
  const { spec, metadata } = experiment;
  const waiting = runStateOf(experiment) === 'waiting';
  step.status = {
    observedGeneration: metadata.generation,
    conditions: step.status.conditions,
    seed: `${metadata.uid}/${metadata.generation}`,
    // The revision of this generation; an old run's revision belongs to the old spec.
    ...(step.observed.revision ? { revision: step.observed.revision } : {}),
  };
  notePolicySources(step);
  const admission = admitRun({
    experiment: experimentRef(step.observed),
    candidates,
    policy,
    seed: step.status.seed!,
    now,
    ...(step.observed.mode ? { mode: step.observed.mode } : {}),
  });
  if (admission.decision === 'refuse') {
    step.status.startTime = now.toISOString();
    return terminal(step, admission.reason, admission.message);
  }
  if (admission.decision === 'wait') {
    // Nothing is recorded or injected; the policy informer wakes us when a policy changes.
    step.succeeded('Unknown', admission.reason, admission.message.slice(0, 4096));
    if (admission.retryAt) step.requeue(admission.retryAt.getTime() - now.getTime());
    else if (admission.reason === 'ConcurrencyLimit') step.requeue(concurrencyRetryMs);
    return step.plan();
  }
  if (admission.decision === 'undecided') {
    // Only a plan lacks facts; should the controller ever lack one, it fails closed.
    const unknown = admission.verdicts.filter((v) => v.status === 'unknown');
    return terminal(step, 'PolicyDenied', `cannot be judged: ${describe(unknown)}`);
  }
  const chosen = admission.targets!;
  step.status.startTime = now.toISOString();
  if (waiting) {
    step.events.push({ type: 'Normal', reason: 'Admitted', message: 'the guardrails allow the run now' });
  }

  // Records before effects: these are written before any fault is applied.
  step.status.targets = targetRecords(spec, chosen);
  step.condition('Injected', 'False', 'Pending', `${chosen.length} target(s) chosen; nothing injected yet`);
  step.condition('Recovered', 'False', 'NothingInjected', 'nothing to recover yet');
  const probes = spec.hypothesis?.probes;
  step.condition(
    'HypothesisHolds',
    'Unknown',
    'NotChecked',
    probes?.length ? 'not checked yet' : 'no probes',
  );
  if (spec.dryRun) step.status.dryRun = true;
  if (probesIn(probes, 'before').length) {
    step.succeeded('Unknown', 'WaitingForHypothesis', 'checking the steady state before injecting');
  } else {
    startInjecting(step, `injecting into ${chosen.length} target(s)`);
  }
  step.requeue(0);
  return step.plan();
}

function startInjecting(step: Step, message: string): void {
  step.status.injectionStartTime = step.now.toISOString();
  step.succeeded('Unknown', 'Injecting', message);
}

function advanceRun(step: Step): Plan {
  const reason = findCondition(step.status.conditions, 'Succeeded')!.reason;
  if (reason === 'WaitingForHypothesis') return waitForHypothesis(step);
  if (reason === 'Injecting') return inject(step);
  if (reason === 'Running') return run(step);
  return recover(step);
}

function waitForHypothesis(step: Step): Plan {
  const probes = step.observed.experiment.spec.hypothesis?.probes;
  const verdict = assessProbes({ probes, phase: 'before', results: step.status.probes });
  if (!verdict.holds) {
    step.condition('HypothesisHolds', 'False', 'ProbeFailed', brokenMessage('before', verdict.broken));
    return terminal(
      step,
      'HypothesisFailed',
      `the steady state did not hold before injection: ${brokenMessage('before', verdict.broken)}`,
    );
  }
  if (verdict.settled) {
    step.condition('HypothesisHolds', 'True', 'ProbesPassed', 'every probe passed before injection');
    startInjecting(step, `injecting into ${step.status.targets?.length ?? 0} target record(s)`);
    step.requeue(0);
    return step.plan();
  }
  scheduleProbes(step, 'before');
  return step.plan();
}

function inject(step: Step): Plan {
  const { spec } = step.observed.experiment;
  if (step.status.dryRun) return finish(step);
  const targets = step.status.targets ?? [];
  const toApply = targets.filter((t) => t.state === 'pending' && !t.injection);
  if (toApply.length > 0) {
    const deadline = injectionDeadline(step);
    for (const record of toApply) {
      const pod = isPodFaultKind(record.faultKind ?? '');
      step.actions.push({
        type: 'inject',
        record,
        fault: faultOf(step, record),
        ...(pod ? {} : { deadline }),
      });
    }
    // A pod fault is done when its action returns; a node agent reports later, through the cache.
    if (toApply.some((t) => isPodFaultKind(t.faultKind ?? ''))) step.requeue(0);
  }
  const unanswered = targets.filter((t) => t.state === 'pending' && t.injection);
  if (toApply.length > 0 || unanswered.length > 0) {
    const answerBy =
      Date.parse(step.status.injectionStartTime ?? step.now.toISOString()) + timeouts(step).agentMs;
    if (step.now.getTime() < answerBy || toApply.length > 0) {
      step.requeue(Math.max(1, answerBy - step.now.getTime()));
      return step.plan();
    }
    failUnanswered(
      unanswered,
      (r) =>
        `no answer from the agent on node ${r.node ?? '?'} within ${formatDuration(timeouts(step).agentMs)}`,
    );
    // Withdrawn now, not at the end of the run: a late agent must not keep a fault on a failed target.
    for (const record of unanswered)
      step.actions.push({ type: 'recover', record, fault: faultOf(step, record) });
  }
  const injected = targets.filter((t) => t.state === 'injected');
  if (injected.length === 0) {
    step.condition('Injected', 'False', 'InjectionFailed', firstFailure(targets));
    if (!targets.some(mayHoldFault)) {
      return terminal(step, 'InjectionFailed', `no fault could be injected: ${firstFailure(targets)}`);
    }
    step.succeeded(
      'Unknown',
      'Recovering',
      `no fault could be injected; withdrawing: ${firstFailure(targets)}`,
    );
    return recover(step);
  }
  const failed = targets.length - injected.length;
  step.condition(
    'Injected',
    'True',
    'Injected',
    `${injected.length} of ${targets.length} injected${failed ? `; ${failed} failed: ${firstFailure(targets)}` : ''}`,
  );
  step.status.injectedTime = step.now.toISOString();
  step.succeeded('Unknown', 'Running', `faults in place for ${spec.duration}`);
  return run(step);
}

function run(step: Step): Plan {
  const { spec } = step.observed.experiment;
  // Statuses written before injectedTime existed carry the time in the Injected condition.
  const injectedAt = Date.parse(
    step.status.injectedTime ?? findCondition(step.status.conditions, 'Injected')!.lastTransitionTime,
  );
  const remaining = injectedAt + parseDuration(spec.duration) - step.now.getTime();
  const probes = spec.hypothesis?.probes;
  const verdict = assessProbes({ probes, phase: 'during', results: step.status.probes });
  if (!verdict.holds) {
    step.condition('HypothesisHolds', 'False', 'ProbeFailed', brokenMessage('during', verdict.broken));
    if (spec.abort?.onHypothesisFailure !== false) {
      step.succeeded(
        'Unknown',
        'Recovering',
        `the hypothesis broke; recovering now: ${brokenMessage('during', verdict.broken)}`,
      );
      return recover(step);
    }
  }
  if (remaining <= 0) {
    step.succeeded('Unknown', 'Recovering', `${spec.duration} elapsed; recovering`);
    return recover(step);
  }
  scheduleProbes(step, 'during');
  step.requeue(remaining);
  return step.plan();
}

function recover(step: Step): Plan {
  if (!removeFaults(step)) return step.plan();
  if (findCondition(step.status.conditions, 'Recovered')?.status !== 'True') {
    step.condition('Recovered', 'True', 'Recovered', 'every injected fault was removed');
  }
  const injectionFailed = findCondition(step.status.conditions, 'Injected')?.reason === 'InjectionFailed';
  if (!step.status.abort && !injectionFailed) {
    const probes = step.observed.experiment.spec.hypothesis?.probes;
    const verdict = assessProbes({ probes, phase: 'after', results: step.status.probes });
    // The steady state must come back within the recovery timeout: a run never waits on it forever.
    const backBy =
      Date.parse(step.status.recoveryStartTime ?? step.now.toISOString()) + timeouts(step).recoveryMs;
    if (!verdict.holds) {
      step.condition('HypothesisHolds', 'False', 'ProbeFailed', brokenMessage('after', verdict.broken));
    } else if (!verdict.settled && step.now.getTime() >= backBy) {
      step.condition(
        'HypothesisHolds',
        'False',
        'NotRestored',
        `the after-probes did not all pass within ${formatDuration(timeouts(step).recoveryMs)} of recovery`,
      );
    } else if (!verdict.settled) {
      scheduleProbes(step, 'after');
      step.requeue(backBy - step.now.getTime());
      return step.plan();
    }
  }
  return finish(step);
}

/**
 * Asks for every fault that may still be in place to be removed. True once nothing can be left;
 * until then the run waits (woken by the agents' reports) and, past the recovery timeout, says it is
 * Stalled: recovery is never given up, and the finalizer is never released while a fault may remain.
 */
function removeFaults(step: Step): boolean {
  const holding = (step.status.targets ?? []).filter(mayHoldFault);
  if (holding.length === 0) {
    if (findCondition(step.status.conditions, 'Stalled')?.status === 'True') {
      step.condition('Stalled', 'False', 'Recovered', 'every fault was recovered');
    }
    return true;
  }
  step.status.recoveryStartTime ??= step.now.toISOString();
  const injections = step.observed.injections ?? new Map();
  // Removal already asked for: the agent's finalizer holds the object until it has undone the change.
  const toRemove = holding.filter((t) => !(t.injection && injections.get(t.injection)?.deleting));
  for (const record of toRemove) step.actions.push({ type: 'recover', record, fault: faultOf(step, record) });
  // A pod fault, or an injection the cache no longer shows, is most likely gone once its action
  // returns: look again at once. An agent still holding one reports through the cache.
  const settlesNow = (t: TargetRecord) =>
    isPodFaultKind(t.faultKind ?? '') || !t.injection || !injections.has(t.injection);
  if (toRemove.some(settlesNow)) step.requeue(0);
  const stallAt = Date.parse(step.status.recoveryStartTime) + timeouts(step).recoveryMs;
  if (step.now.getTime() < stallAt) step.requeue(stallAt - step.now.getTime());
  else if (findCondition(step.status.conditions, 'Stalled')?.status !== 'True') {
    const first = holding[0]!;
    const message = boundedMessage(
      `${holding.length} fault(s) not confirmed recovered ${formatDuration(timeouts(step).recoveryMs)} after recovery began, first ${recordKey(first)}${first.node ? ` on node ${first.node}` : ''}${first.injection ? ` (ChaosInjection ${first.injection})` : ''}; still waiting, the finalizer stays until they are; see "Stalled recovery" in docs/OPERATIONS.md`,
    );
    step.condition('Stalled', 'True', 'RecoveryStalled', message);
    step.events.push({ type: 'Warning', reason: 'RecoveryStalled', message });
  }
  return false;
}

/** Ends the run: the verdict follows from what the status recorded along the way. */
function finish(step: Step): Plan {
  const hypothesis = findCondition(step.status.conditions, 'HypothesisHolds');
  const aborted = Boolean(step.status.abort);
  // Every probe that ran has passed by now (a broken one set False on the way).
  if (!aborted && hypothesis?.status === 'Unknown') {
    step.condition(
      'HypothesisHolds',
      'True',
      'ProbesPassed',
      hypothesis.message === 'no probes' ? 'no probes' : 'every probe passed',
    );
  }
  step.status.completionTime = step.now.toISOString();
  step.status.report = summarize(step.status, step.now);
  const summary = step.status.report.summary ?? '';
  if (aborted) step.succeeded('False', 'Aborted', summary);
  else if (findCondition(step.status.conditions, 'Injected')?.reason === 'InjectionFailed') {
    step.succeeded('False', 'InjectionFailed', summary);
  } else if (findCondition(step.status.conditions, 'HypothesisHolds')?.status === 'False') {
    step.succeeded('False', 'HypothesisFailed', summary);
  } else step.succeeded('True', 'Completed', summary);
  return step.plan();
}

function terminal(step: Step, reason: Reason, message: string): Plan {
  step.status.completionTime = step.now.toISOString();
  step.status.report = { verdict: 'Failed', targetsHit: 0, summary: message.slice(0, 4096) };
  step.succeeded('False', reason, message.slice(0, 4096));
  return step.plan();
}

function abort(step: Step, reason: NonNullable<ChaosExperimentStatus['abort']>['reason'], why: string): void {
  step.status.abort = { reason, message: why.slice(0, 4096), time: step.now.toISOString() };
  step.succeeded('Unknown', 'Recovering', `aborting: ${why}`);
}

function timeouts(step: Step) {
  return step.observed.timeouts ?? defaultRunTimeouts;
}

/**
 * When a node agent recovers on its own whatever happens: the agent has its timeout to apply the
 * fault, the fault its duration, and a grace on top. Computed once, from the run's facts, so a
 * replayed step hands over the same deadline.
 */
function injectionDeadline(step: Step): Date {
  const start = Date.parse(step.status.injectionStartTime ?? step.now.toISOString());
  const duration = parseDuration(step.observed.experiment.spec.duration);
  return new Date(start + timeouts(step).agentMs + duration + deadlineGraceMs);
}

function scheduleProbes(step: Step, phase: 'before' | 'during' | 'after'): void {
  const probes = step.observed.experiment.spec.hypothesis?.probes;
  const schedule = dueProbes({ probes, phase, results: step.status.probes, now: step.now });
  if (schedule.due.length) {
    step.actions.push({ type: 'runProbes', phase, names: schedule.due });
    step.requeue(0);
  } else if (schedule.nextDueInMs !== undefined) {
    step.requeue(schedule.nextDueInMs);
  }
}

/** How often a run held back by maxConcurrentExperiments looks again, besides being woken. */
const concurrencyRetryMs = 10_000;

function faultOf(step: Step, record: TargetRecord): Fault {
  const found = namedFaults(step.observed.experiment.spec).find((f) => f.name === record.fault);
  // A record always names a fault of the spec it was created from; a changed spec aborts first.
  return found?.fault ?? ({ [record.faultKind ?? 'podKill']: {} } as Fault);
}

function firstFailure(records: readonly TargetRecord[]): string {
  const failed = records.find((t) => t.state === 'failed');
  return failed ? `${recordKey(failed)}: ${failed.message ?? 'failed'}` : 'unknown error';
}

function brokenMessage(phase: string, broken: { name: string; message: string }[]): string {
  return broken.map((b) => `probe ${b.name} failed ${phase} the faults: ${b.message}`).join('; ');
}
