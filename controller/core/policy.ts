// The guardrails: one pure function, called through core's admission (experiment/admit-run.ts)
// by the controller before a run starts, again on every step of a run, and by the PR planner, so
// they can never disagree. Every policy applies; the strictest answer wins, so an experiment can
// never widen what policy allows. A fact that is not known (a plan without a cluster) makes its
// guardrail `unknown`, never `pass`.
import { optInLabel } from '../api/contract.ts';
import type { ChaosExperimentSpec, ChaosPolicySpec } from '../api/types.generated.ts';
import { parseDuration } from './duration.ts';
import { previousFireTime } from './schedule-times.ts';

/** Never targeted unless a policy's allow list names them. */
export const protectedNamespaces = ['kube-system', 'kube-public', 'kube-node-lease'];

export type Guardrail =
  | 'suspend'
  | 'namespace-opt-in'
  | 'namespace-allowed'
  | 'protected-namespace'
  | 'cross-namespace'
  | 'fault-kinds'
  | 'max-targets-percent'
  | 'max-concurrent'
  | 'blackout';

export type VerdictStatus = 'pass' | 'deny' | 'unknown';

export interface GuardrailVerdict {
  guardrail: Guardrail;
  status: VerdictStatus;
  message: string;
  /** For a denial that lifts by itself (a blackout window): when to look again. */
  retryAt?: Date;
}

/**
 * Denials that lift without anyone touching the experiment: a suspension is lifted, a blackout
 * window closes, another run finishes. A run they hold back waits; every other denial is final
 * for the experiment's generation (docs/SAFETY.md).
 */
export const temporaryGuardrails: ReadonlySet<Guardrail> = new Set(['suspend', 'blackout', 'max-concurrent']);

/**
 * Judged once, when a run is admitted: the run itself changes the facts they count (a killed pod
 * shrinks its workload; a running experiment counts towards the limit it was admitted under).
 * Every other guardrail is judged again on every step of a run and aborts it when it denies.
 */
export const admissionOnlyGuardrails: ReadonlySet<Guardrail> = new Set([
  'max-targets-percent',
  'max-concurrent',
]);

export interface PolicyTarget {
  namespace: string;
  name: string;
  /** The workload the pod belongs to, e.g. "shop/ReplicaSet/checkout-7d9f", for maxTargetsPercent. */
  workload?: string;
}

export interface PolicyInput {
  experiment: { namespace: string; name: string; spec: ChaosExperimentSpec };
  policies: readonly { name: string; spec: ChaosPolicySpec }[];
  /**
   * Labels of the namespaces involved; a missing entry means the namespace does not exist.
   * Undefined when no cluster was read: opt-in is then unknown.
   */
  namespaceLabels: Readonly<Record<string, Readonly<Record<string, string>> | undefined>> | undefined;
  /** The controller's own namespace: protected like kube-system. */
  controllerNamespace: string;
  /** The chosen targets; undefined when not known (no cluster), which leaves maxTargetsPercent unknown. */
  targets?: readonly PolicyTarget[];
  /** Pods per workload, for maxTargetsPercent. */
  workloadSizes?: Readonly<Record<string, number>>;
  /** Other experiments admitted and not finished, for maxConcurrentExperiments; undefined: unknown. */
  activeExperiments?: number;
  now: Date;
}

export interface PolicyDecision {
  /** Every guardrail passes (none denies, none is unknown). */
  allowed: boolean;
  verdicts: GuardrailVerdict[];
}

/**
 * Every namespace whose pods the controller could touch: the selector's, or the experiment's own.
 * Never empty: whatever else the selector says, the controller picks pods from these, so these
 * are what every namespace guardrail judges.
 */
export function targetNamespaces(experiment: PolicyInput['experiment']): string[] {
  const { namespaces } = experiment.spec.selector;
  return namespaces?.length ? [...new Set(namespaces)] : [experiment.namespace];
}

export function faultKindsOf(spec: ChaosExperimentSpec): string[] {
  return [...new Set(spec.faults.flatMap((fault) => Object.keys(fault).filter((k) => k !== 'name')))];
}

export function evaluatePolicy(input: PolicyInput): PolicyDecision {
  const verdicts: GuardrailVerdict[] = [];
  const add = (guardrail: Guardrail, problems: string[], okMessage: string, retryAt?: Date) =>
    verdicts.push({
      guardrail,
      status: problems.length === 0 ? 'pass' : 'deny',
      message: problems.length ? problems.join('; ') : okMessage,
      ...(problems.length && retryAt ? { retryAt } : {}),
    });
  const unknown = (guardrail: Guardrail, message: string) =>
    verdicts.push({ guardrail, status: 'unknown', message });
  const { experiment, policies } = input;
  const namespaces = targetNamespaces(experiment);

  const suspended = policies.filter((p) => p.spec.suspend).map((p) => p.name);
  add(
    'suspend',
    suspended.map((n) => `ChaosPolicy ${n} is suspended (the kill switch is on)`),
    'no policy is suspended',
  );

  const labels = input.namespaceLabels;
  if (!labels) unknown('namespace-opt-in', 'not checked: the namespaces were not read');
  else {
    add(
      'namespace-opt-in',
      namespaces
        .filter((ns) => labels[ns]?.[optInLabel] !== 'true')
        .map((ns) =>
          labels[ns] === undefined
            ? `namespace ${ns} does not exist`
            : `namespace ${ns} has not opted in (label ${optInLabel}: "true")`,
        ),
      `${namespaces.join(', ')} opted in`,
    );
  }

  const allowProblems: string[] = [];
  for (const policy of policies) {
    const allow = policy.spec.namespaces?.allow;
    const deny = policy.spec.namespaces?.deny ?? [];
    for (const ns of namespaces) {
      if (allow && !allow.includes(ns))
        allowProblems.push(`ChaosPolicy ${policy.name} does not allow namespace ${ns}`);
      if (deny.includes(ns)) allowProblems.push(`ChaosPolicy ${policy.name} denies namespace ${ns}`);
    }
  }
  add('namespace-allowed', allowProblems, 'every policy allows the target namespaces');

  const protectedOnes = [...protectedNamespaces, input.controllerNamespace];
  add(
    'protected-namespace',
    namespaces
      .filter((ns) => protectedOnes.includes(ns))
      .filter((ns) => !policies.some((p) => p.spec.namespaces?.allow?.includes(ns)))
      .map(
        (ns) => `namespace ${ns} is protected; only a ChaosPolicy that names it in namespaces.allow opens it`,
      ),
    'no protected namespace is targeted',
  );

  const foreign = namespaces.filter((ns) => ns !== experiment.namespace);
  const crossAllowed =
    policies.length > 0 && policies.every((p) => p.spec.namespaces?.allowCrossNamespace === true);
  add(
    'cross-namespace',
    foreign.length && !crossAllowed
      ? [
          `targets namespace ${foreign.join(', ')} outside its own (${experiment.namespace}); a ChaosPolicy must set namespaces.allowCrossNamespace`,
        ]
      : [],
    foreign.length ? 'policy allows targeting other namespaces' : 'targets only its own namespace',
  );

  const kinds = faultKindsOf(experiment.spec);
  const kindProblems: string[] = [];
  for (const policy of policies) {
    for (const kind of kinds) {
      if (policy.spec.allowedFaults && !policy.spec.allowedFaults.includes(kind as never)) {
        kindProblems.push(`ChaosPolicy ${policy.name} does not allow ${kind}`);
      }
      if (policy.spec.deniedFaults?.includes(kind as never))
        kindProblems.push(`ChaosPolicy ${policy.name} denies ${kind}`);
    }
  }
  add('fault-kinds', kindProblems, `${kinds.join(', ')} allowed`);

  const percentProblems: string[] = [];
  const limits = policies.filter((p) => p.spec.maxTargetsPercent !== undefined);
  if (limits.length && !input.targets) {
    unknown('max-targets-percent', 'not checked: the targets are not known without a cluster');
  } else if (limits.length && input.targets) {
    const hits = new Map<string, number>();
    for (const target of input.targets) {
      if (target.workload) hits.set(target.workload, (hits.get(target.workload) ?? 0) + 1);
    }
    for (const [workload, count] of hits) {
      const size = input.workloadSizes?.[workload] ?? count;
      const percent = (count / size) * 100;
      for (const policy of limits) {
        if (percent > policy.spec.maxTargetsPercent!) {
          percentProblems.push(
            `hits ${count} of ${size} pods (${Math.round(percent)}%) of ${workload}; ChaosPolicy ${policy.name} allows ${policy.spec.maxTargetsPercent}%`,
          );
        }
      }
    }
  }
  if (!limits.length || input.targets) {
    add(
      'max-targets-percent',
      percentProblems,
      limits.length ? 'within every workload limit' : 'no workload limit set',
    );
  }

  const concurrencyLimits = policies.filter((p) => p.spec.maxConcurrentExperiments !== undefined);
  const active = input.activeExperiments;
  if (concurrencyLimits.length && active === undefined) {
    unknown('max-concurrent', 'checked when the run starts, against the experiments running then');
  } else {
    add(
      'max-concurrent',
      concurrencyLimits
        .filter((p) => (active ?? 0) >= p.spec.maxConcurrentExperiments!)
        .map(
          (p) =>
            `${active} other experiment(s) running; ChaosPolicy ${p.name} allows ${p.spec.maxConcurrentExperiments} at a time`,
        ),
      concurrencyLimits.length ? 'below every concurrency limit' : 'no concurrency limit set',
    );
  }

  const blackoutProblems: string[] = [];
  let blackoutEnds: Date | undefined;
  for (const policy of policies) {
    for (const window of policy.spec.blackoutWindows ?? []) {
      const label = `blackout window ${window.name ?? window.schedule} of ChaosPolicy ${policy.name}`;
      let end: Date;
      try {
        const start = previousFireTime({
          schedule: window.schedule,
          timeZone: window.timeZone,
          at: input.now,
        });
        end = new Date(start.getTime() + parseDuration(window.duration));
      } catch (error) {
        // A window that cannot be computed might be open: fail closed until the policy is fixed.
        blackoutProblems.push(
          `${label} cannot be evaluated, so it counts as open: ${(error as Error).message}`,
        );
        continue;
      }
      if (input.now < end) {
        blackoutProblems.push(`inside ${label} until ${end.toISOString()}`);
        if (!blackoutEnds || end > blackoutEnds) blackoutEnds = end;
      }
    }
  }
  add('blackout', blackoutProblems, 'outside every blackout window', blackoutEnds);

  return { allowed: verdicts.every((v) => v.status === 'pass'), verdicts };
}
