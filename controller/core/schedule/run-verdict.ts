// Whether a schedule's run may start at a time: the experiments' own admission (admitRun), judged
// for the template without targets, and what becomes of a run a guardrail holds back. The
// controller asks at the moment a run is due; the PR plan asks for each of the next fire times.
import type { ChaosExperimentSpec } from '../../api/types.generated.ts';
import { admitRun, type RefusalReason, type RunMode, type WaitReason } from '../experiment/admit-run.ts';
import type { GuardrailVerdict, PolicyInput } from '../policy.ts';

export type RunVerdict =
  /** Nothing refuses it; the run's own admission decides the rest (targets, the concurrency limit). */
  | { verdict: 'start' }
  /** Held back by a temporary guardrail (a suspended policy, a blackout window) until `retryAt` if known. */
  | { verdict: 'wait'; reason: WaitReason; message: string; retryAt?: Date; denials: GuardrailVerdict[] }
  /** Refused for good while the template or the policies stay as they are. */
  | { verdict: 'refuse'; reason: RefusalReason; message: string };

export function judgeScheduledRun(options: {
  namespace: string;
  scheduleName: string;
  template: ChaosExperimentSpec;
  policy: Omit<PolicyInput, 'experiment' | 'targets' | 'now'>;
  at: Date;
  /** A cluster (the default) or standalone mode (admit-run.ts). */
  mode?: RunMode;
}): RunVerdict {
  const admission = admitRun({
    experiment: { namespace: options.namespace, name: options.scheduleName, spec: options.template },
    // Targets are drawn by the run itself when it starts; the concurrency limit is counted then too.
    candidates: undefined,
    policy: { ...options.policy, activeExperiments: undefined },
    seed: options.scheduleName,
    now: options.at,
    ...(options.mode ? { mode: options.mode } : {}),
  });
  switch (admission.decision) {
    case 'refuse':
      return { verdict: 'refuse', reason: admission.reason, message: admission.message };
    case 'wait':
      return {
        verdict: 'wait',
        reason: admission.reason,
        message: admission.message,
        ...(admission.retryAt ? { retryAt: admission.retryAt } : {}),
        denials: admission.verdicts.filter((v) => v.status === 'deny'),
      };
    default:
      return { verdict: 'start' };
  }
}

export type HeldRunFate = { fate: 'delayed'; until: Date } | { fate: 'skipped'; why: string };

/**
 * What becomes of a run a blackout window holds back at its fire time `at`: it starts when the
 * window ends if the schedule sets startingDeadlineSeconds, the end is within it and comes before
 * the next fire time (which would supersede it); otherwise it is skipped. Without a deadline a held
 * run is skipped, never started late: the window takes the run.
 */
export function heldRunFate(options: {
  at: Date;
  next: Date | undefined;
  liftsAt: Date | undefined;
  startingDeadlineSeconds?: number;
}): HeldRunFate {
  const { at, next, liftsAt, startingDeadlineSeconds } = options;
  if (!liftsAt) return { fate: 'skipped', why: 'the hold has no known end' };
  if (startingDeadlineSeconds === undefined)
    return { fate: 'skipped', why: 'without startingDeadlineSeconds a held run does not start late' };
  if (next && liftsAt >= next)
    return { fate: 'skipped', why: `the next run at ${next.toISOString()} comes first` };
  if (liftsAt.getTime() - at.getTime() > startingDeadlineSeconds * 1000)
    return { fate: 'skipped', why: `it lifts after startingDeadlineSeconds (${startingDeadlineSeconds})` };
  return { fate: 'delayed', until: liftsAt };
}
