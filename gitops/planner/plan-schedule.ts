// The plan of a schedule: its next fire times in its own time zone, and the plan of the
// experiment it would create, judged by policy at the first of those times.
import type { ChaosScheduleSpec } from '../../controller/api/types.generated.ts';
import { evaluatePolicy } from '../../controller/core/policy.ts';
import { nextFireTimes } from '../../controller/core/schedule-times.ts';
import { type ExperimentPlan, type ExperimentPlanContext, planExperimentSpec } from './plan-experiment.ts';

export interface FireTime {
  at: Date;
  /** Blackout windows that would deny the run at that time. */
  blackout?: string;
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
    const times = nextFireTimes({
      schedule: spec.schedule,
      timeZone: spec.timeZone,
      after: options.now,
      count: fireTimesShown,
    });
    fireTimes = times.map((at) => {
      const blackout = blackoutAt({ ...options, at });
      return blackout ? { at, blackout } : { at };
    });
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

/** Why a run at `at` would be refused by a blackout window, if it would; the same policy function. */
function blackoutAt(options: {
  namespace: string;
  name: string;
  spec: ChaosScheduleSpec;
  context: ExperimentPlanContext;
  at: Date;
}): string | undefined {
  const decision = evaluatePolicy({
    experiment: { namespace: options.namespace, name: options.name, spec: options.spec.template.spec },
    policies: options.context.policies,
    namespaceLabels: undefined,
    controllerNamespace: options.context.controllerNamespace,
    now: options.at,
  });
  return decision.verdicts.find((v) => v.guardrail === 'blackout' && v.status === 'deny')?.message;
}
