// The plan of a schedule: its next fire times in its own time zone, each judged as the controller
// judges a due run (judgeScheduledRun, then heldRunFate for one a blackout window holds), and the
// plan of the experiment it would create, judged by policy at the first of those times.
import type { ChaosScheduleSpec } from '../../controller/api/types.generated.ts';
import { heldRunFate, judgeScheduledRun } from '../../controller/core/schedule/run-verdict.ts';
import { nextFireTimes } from '../../controller/core/schedule-times.ts';
import { type ExperimentPlan, type ExperimentPlanContext, planExperimentSpec } from './plan-experiment.ts';

export interface FireTime {
  at: Date;
  /** The blackout window that holds the run due at that time: it is skipped, unless `delayedUntil` is set. */
  blackout?: string;
  /** The run starts late, when the window ends (within startingDeadlineSeconds). */
  delayedUntil?: Date;
}

export interface SchedulePlan {
  scheduleProblem?: string;
  fireTimes: FireTime[];
  suspended: boolean;
  template: ExperimentPlan;
  allowed: boolean;
}

export const fireTimesShown = 3;

export async function planScheduleSpec(options: {
  namespace: string;
  name: string;
  spec: ChaosScheduleSpec;
  context: ExperimentPlanContext;
  seed: string;
  now: Date;
}): Promise<SchedulePlan> {
  const { spec } = options;
  let fireTimes: FireTime[] = [];
  let scheduleProblem: string | undefined;
  try {
    // One more than shown: a held run's fate depends on the fire time after it.
    const times = nextFireTimes({
      schedule: spec.schedule,
      timeZone: spec.timeZone,
      after: options.now,
      count: fireTimesShown + 1,
    });
    fireTimes = times
      .slice(0, fireTimesShown)
      .map((at, i) => fireTimeVerdict({ ...options, at, next: times[i + 1] }));
  } catch (error) {
    scheduleProblem = (error as Error).message;
  }
  const template = await planExperimentSpec({
    namespace: options.namespace,
    name: options.name,
    spec: spec.template.spec,
    context: options.context,
    seed: options.seed,
    now: fireTimes[0]?.at ?? options.now,
  });
  // The fire times already say which runs a blackout holds back; one row says it once.
  template.verdicts = template.verdicts.map((v) =>
    v.guardrail === 'blackout' && v.status === 'waits'
      ? { ...v, status: 'deferred', message: `next run: ${v.message}` }
      : v,
  );
  return {
    ...(scheduleProblem ? { scheduleProblem } : {}),
    fireTimes,
    suspended: spec.suspend === true,
    template,
    allowed: !scheduleProblem && template.allowed,
  };
}

/** The run due at `at`, as the controller would treat it: the same verdict function, then the same rule for a hold. */
function fireTimeVerdict(options: {
  namespace: string;
  name: string;
  spec: ChaosScheduleSpec;
  context: ExperimentPlanContext;
  at: Date;
  next: Date | undefined;
}): FireTime {
  const { at } = options;
  const verdict = judgeScheduledRun({
    namespace: options.namespace,
    scheduleName: options.name,
    template: options.spec.template.spec,
    policy: {
      policies: options.context.policies,
      namespaceLabels: undefined,
      controllerNamespace: options.context.controllerNamespace,
    },
    at,
  });
  // Other holds and refusals are the template's verdicts, shown once for the schedule.
  if (verdict.verdict !== 'wait' || verdict.reason !== 'BlackoutWindow') return { at };
  const fate = heldRunFate({
    at,
    next: options.next,
    liftsAt: verdict.retryAt,
    startingDeadlineSeconds: options.spec.startingDeadlineSeconds,
  });
  const windows = verdict.denials
    .filter((v) => v.guardrail === 'blackout')
    .map((v) => v.message)
    .join('; ');
  return fate.fate === 'delayed'
    ? { at, blackout: windows, delayedUntil: fate.until }
    : { at, blackout: `${windows} (${fate.why})` };
}
