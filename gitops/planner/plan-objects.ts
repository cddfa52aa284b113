// Plans every changed object and gives each one verdict; the verdicts drive the summary line,
// the order of the comment's sections and whether the PR is valid.
import type { ChaosExperimentSpec, ChaosScheduleSpec } from '../../controller/api/types.generated.ts';
import { protectedNamespaces } from '../../controller/core/policy.ts';
import type { ObjectChange } from './collect-changes.ts';
import { type ExperimentPlan, type ExperimentPlanContext, planExperimentSpec } from './plan-experiment.ts';
import { type PolicyFieldChange, policyFieldChanges, specOf } from './plan-policy.ts';
import { planScheduleSpec, type SchedulePlan } from './plan-schedule.ts';
import { policyLoosenings } from './policy-loosening.ts';

export type ObjectVerdict =
  | 'invalid'
  | 'denied'
  | 'no-targets'
  | 'will-stop'
  | 'policy-loosened'
  | 'policy-added'
  | 'policy-changed'
  | 'policy-removed'
  | 'would-run'
  | 'planned-offline'
  | 'suspended'
  | 'unchanged'
  | 'not-planned';

/** Blocking first, then what needs a look, then the rest: the comment's reading order. */
export const verdictRank: Record<ObjectVerdict, number> = {
  invalid: 0,
  denied: 1,
  'no-targets': 2,
  'policy-loosened': 3,
  'will-stop': 3,
  'policy-removed': 4,
  'policy-changed': 4,
  'policy-added': 4,
  'would-run': 5,
  'planned-offline': 5,
  suspended: 6,
  'not-planned': 7,
  unchanged: 8,
};

export const blockingVerdicts = new Set<ObjectVerdict>(['invalid', 'denied']);

export interface PlannedObject {
  change: ObjectChange;
  verdict: ObjectVerdict;
  experiment?: ExperimentPlan;
  schedule?: SchedulePlan;
  policyChanges?: PolicyFieldChange[];
  /** How a policy change weakens a guardrail; the PR then needs a reviewer's look. */
  loosens?: string[];
}

export async function planObjects(options: {
  objects: readonly ObjectChange[];
  context: ExperimentPlanContext;
  headSha: string;
  now: Date;
}): Promise<PlannedObject[]> {
  const planned = await Promise.all(options.objects.map((change) => planObject({ ...options, change })));
  return planned.sort(
    (a, b) =>
      verdictRank[a.verdict] - verdictRank[b.verdict] ||
      compare(locationOf(a.change).file, locationOf(b.change).file) ||
      locationOf(a.change).line - locationOf(b.change).line ||
      compare(a.change.key, b.change.key),
  );
}

export function locationOf(change: ObjectChange): { file: string; line: number } {
  const object = change.head ?? change.base!;
  return { file: object.file, line: object.line };
}

async function planObject(options: {
  change: ObjectChange;
  context: ExperimentPlanContext;
  headSha: string;
  now: Date;
}): Promise<PlannedObject> {
  const { change, context } = options;
  if (change.kind === 'ChaosPolicy') {
    const policyChanges = policyFieldChanges(
      change.base && specOf(change.base.object),
      change.head && change.valid ? specOf(change.head.object) : undefined,
    );
    if (change.change !== 'removed' && !change.valid) return { change, verdict: 'invalid' };
    if (change.change === 'unchanged') return { change, verdict: 'unchanged' };
    const loosens = policyLoosenings({
      name: change.name,
      ...(change.base ? { before: specOf(change.base.object) } : {}),
      ...(change.head ? { after: specOf(change.head.object) } : {}),
      protectedNamespaces: [...protectedNamespaces, context.controllerNamespace],
      policiesAfter: context.policies.length,
    });
    if (loosens.length) return { change, verdict: 'policy-loosened', policyChanges, loosens };
    if (change.change === 'removed') return { change, verdict: 'policy-removed', policyChanges };
    return { change, verdict: change.change === 'added' ? 'policy-added' : 'policy-changed', policyChanges };
  }
  const isExperiment = change.kind === 'ChaosExperiment';
  if (!isExperiment && change.kind !== 'ChaosSchedule') {
    return { change, verdict: change.valid ? 'not-planned' : 'invalid' };
  }
  if (change.change === 'removed') return { change, verdict: 'will-stop' };
  if (!change.valid) return { change, verdict: 'invalid' };
  if (change.change === 'unchanged') return { change, verdict: 'unchanged' };
  const common = {
    namespace: change.namespace!,
    name: change.name,
    context,
    // The preview's seed: stable for a PR head, so the comment does not churn between updates.
    seed: `plan/${options.headSha}/${change.key}`,
    now: options.now,
  };
  const spec = change.head!.object.spec;
  if (isExperiment) {
    const experiment = await planExperimentSpec({ ...common, spec: spec as ChaosExperimentSpec });
    return { change, verdict: experimentVerdict(experiment, false), experiment };
  }
  const schedule = await planScheduleSpec({ ...common, spec: spec as ChaosScheduleSpec });
  const verdict = schedule.scheduleProblem
    ? 'invalid'
    : experimentVerdict(schedule.template, schedule.suspended);
  return { change, verdict, schedule };
}

function experimentVerdict(plan: ExperimentPlan, suspended: boolean): ObjectVerdict {
  if (plan.specProblems.length) return 'invalid';
  // Pods may be up by the time it merges: a warning, not a denial.
  if (plan.refusal?.reason === 'NoTargets') return 'no-targets';
  if (!plan.allowed) return 'denied';
  if (suspended) return 'suspended';
  return plan.live ? 'would-run' : 'planned-offline';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
