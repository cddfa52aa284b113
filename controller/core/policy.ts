// The guardrails: one pure function used by the controller before it injects anything and by
// the PR planner before a merge, so the two can never disagree. Every policy in the cluster
// applies; the strictest answer wins, so an experiment can never widen what policy allows.
import type { ChaosExperimentSpec, ChaosPolicySpec } from '../api/types.generated.ts';
import { parseDuration } from './duration.ts';
import { previousFireTime } from './schedule-times.ts';

export const optInLabel = 'chaoscraft.io/allow';
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

export interface GuardrailVerdict {
  guardrail: Guardrail;
  allowed: boolean;
  message: string;
}

export interface PolicyTarget {
  namespace: string;
  name: string;
  /** The workload the pod belongs to, e.g. "shop/ReplicaSet/checkout-7d9f", for maxTargetsPercent. */
  workload?: string;
}

export interface PolicyInput {
  experiment: { namespace: string; name: string; spec: ChaosExperimentSpec };
  policies: readonly { name: string; spec: ChaosPolicySpec }[];
  /** Labels of the namespaces involved; a missing entry means the namespace does not exist. */
  namespaceLabels: Readonly<Record<string, Readonly<Record<string, string>> | undefined>>;
  /** The controller's own namespace: protected like kube-system. */
  controllerNamespace: string;
  /** The chosen targets, when known (run time and plan time both know them). */
  targets?: readonly PolicyTarget[];
  /** Pods per workload, for maxTargetsPercent. */
  workloadSizes?: Readonly<Record<string, number>>;
  /** Other experiments injecting right now, for maxConcurrentExperiments. */
  activeExperiments?: number;
  now: Date;
}

export interface PolicyDecision {
  allowed: boolean;
  verdicts: GuardrailVerdict[];
}

/** Namespaces an experiment may touch: the selector's, or its own. Standalone targets have none. */
export function targetNamespaces(experiment: PolicyInput['experiment']): string[] {
  const selector = experiment.spec.selector;
  if (selector.processes || selector.netns) {
    if (!selector.namespaces && !selector.labelSelector && !selector.names) return [];
  }
  return selector.namespaces?.length ? [...new Set(selector.namespaces)] : [experiment.namespace];
}

export function faultKindsOf(spec: ChaosExperimentSpec): string[] {
  return [...new Set(spec.faults.flatMap((fault) => Object.keys(fault).filter((k) => k !== 'name')))];
}

export function evaluatePolicy(input: PolicyInput): PolicyDecision {
  const verdicts: GuardrailVerdict[] = [];
  const add = (guardrail: Guardrail, problems: string[], okMessage: string) =>
    verdicts.push({
      guardrail,
      allowed: problems.length === 0,
      message: problems.length ? problems.join('; ') : okMessage,
    });
  const { experiment, policies } = input;
  const namespaces = targetNamespaces(experiment);

  const suspended = policies.filter((p) => p.spec.suspend).map((p) => p.name);
  add(
    'suspend',
    suspended.map((n) => `ChaosPolicy ${n} is suspended (the kill switch is on)`),
    'no policy is suspended',
  );

  add(
    'namespace-opt-in',
    namespaces
      .filter((ns) => input.namespaceLabels[ns]?.[optInLabel] !== 'true')
      .map((ns) =>
        input.namespaceLabels[ns] === undefined
          ? `namespace ${ns} does not exist`
          : `namespace ${ns} has not opted in (label ${optInLabel}: "true")`,
      ),
    namespaces.length ? `${namespaces.join(', ')} opted in` : 'no Kubernetes namespaces are targeted',
  );

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
  if (limits.length && input.targets) {
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
  add(
    'max-targets-percent',
    percentProblems,
    limits.length ? 'within every workload limit' : 'no workload limit set',
  );

  const concurrencyProblems = policies
    .filter((p) => p.spec.maxConcurrentExperiments !== undefined)
    .filter((p) => (input.activeExperiments ?? 0) >= p.spec.maxConcurrentExperiments!)
    .map(
      (p) =>
        `${input.activeExperiments} experiments are running; ChaosPolicy ${p.name} allows ${p.spec.maxConcurrentExperiments} at a time`,
    );
  add('max-concurrent', concurrencyProblems, 'below every concurrency limit');

  const blackoutProblems: string[] = [];
  for (const policy of policies) {
    for (const window of policy.spec.blackoutWindows ?? []) {
      const start = previousFireTime({ schedule: window.schedule, timeZone: window.timeZone, at: input.now });
      const end = new Date(start.getTime() + parseDuration(window.duration));
      if (input.now < end) {
        blackoutProblems.push(
          `inside blackout window ${window.name ?? window.schedule} of ChaosPolicy ${policy.name} until ${end.toISOString()}`,
        );
      }
    }
  }
  add('blackout', blackoutProblems, 'outside every blackout window');

  return { allowed: verdicts.every((v) => v.allowed), verdicts };
}
