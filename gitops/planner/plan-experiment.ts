// The plan of one experiment spec: which pods it would hit right now and what every guardrail
// says. Selection and policy are the controller's own pure functions (podCandidates,
// selectTargets, evaluatePolicy), called with what the cluster shows now; nothing here decides
// a rule on its own.
import type { ChaosExperimentSpec } from '../../controller/api/types.generated.ts';
import { namedFaults } from '../../controller/core/experiment/faults.ts';
import { checkSpec } from '../../controller/core/experiment/spec-checks.ts';
import type { Candidate } from '../../controller/core/experiment/types.ts';
import { podCandidates, workloadKey } from '../../controller/core/pod-candidates.ts';
import {
  evaluatePolicy,
  type Guardrail,
  type GuardrailVerdict,
  targetNamespaces,
} from '../../controller/core/policy.ts';
import { selectTargets } from '../../controller/core/selection.ts';
import type { ClusterPolicy, ClusterReader } from './cluster-reader.ts';

/** How a verdict counts in the plan: decided now, deferred to run time, or unknown without a cluster. */
export type VerdictStatus = 'pass' | 'deny' | 'deferred' | 'unchecked';

export interface PlannedVerdict extends GuardrailVerdict {
  status: VerdictStatus;
}

export interface BlastRadius {
  workload: string;
  hit: number;
  size: number;
  percent: number;
}

export interface ExperimentPlan {
  specProblems: string[];
  /** Targets were resolved against a cluster. */
  live: boolean;
  /** Why the cluster could not be read, when it could not. */
  clusterError?: string;
  /** Standalone selectors (processes, netns) resolve on the host at run time. */
  standalone: boolean;
  matching: number;
  targets: Candidate[];
  /** Only some matching pods are chosen: the run draws its own (the seed is the run's, not the plan's). */
  subset: boolean;
  blastRadius: BlastRadius[];
  verdicts: PlannedVerdict[];
  /** No spec problem and no guardrail denial. */
  allowed: boolean;
}

export interface ExperimentPlanContext {
  cluster?: ClusterReader;
  /** The policies in force once the PR merges: the cluster's, overlaid with the PR's own. */
  policies: readonly ClusterPolicy[];
  controllerNamespace: string;
}

/** Guardrails that need the cluster's namespaces or pods; without a cluster they are not judged. */
const needsCluster = new Set<Guardrail>(['namespace-opt-in', 'max-targets-percent']);
/** Depends on the experiments running at the moment of the run, which a plan cannot know. */
const decidedAtRunTime = new Set<Guardrail>(['max-concurrent']);

export async function planExperimentSpec(options: {
  namespace: string;
  name: string;
  spec: ChaosExperimentSpec;
  context: ExperimentPlanContext;
  /** Seeds the preview selection, so the same PR head always previews the same targets. */
  seed: string;
  now: Date;
}): Promise<ExperimentPlan> {
  const { namespace, name, spec, context } = options;
  const specProblems = checkSpec(spec);
  const experiment = { namespace, name, spec };
  const namespaces = targetNamespaces(experiment);
  const standalone = Boolean(spec.selector.processes || spec.selector.netns) && namespaces.length === 0;

  let matching: Candidate[] = [];
  const workloadSizes: Record<string, number> = {};
  const namespaceLabels: Record<string, Record<string, string> | undefined> = {};
  let clusterError: string | undefined;
  if (context.cluster && !standalone) {
    try {
      const observed = await observeCluster({ cluster: context.cluster, namespace, namespaces, spec });
      matching = observed.matching;
      Object.assign(workloadSizes, observed.workloadSizes);
      Object.assign(namespaceLabels, observed.namespaceLabels);
    } catch (error) {
      // A cluster that cannot be read (down, or RBAC refuses a namespace) leaves the plan without
      // live targets; it says why instead of failing the whole PR plan.
      clusterError = (error as Error).message;
    }
  }
  const live = Boolean(context.cluster) && !clusterError;
  const targets = selectTargets({
    candidates: matching,
    keyOf: (c) => `${c.namespace ?? ''}/${c.name}`,
    mode: spec.mode ?? 'one',
    value: spec.value,
    seed: options.seed,
  });

  let decision: ReturnType<typeof evaluatePolicy>;
  try {
    decision = evaluatePolicy({
      experiment,
      policies: context.policies,
      namespaceLabels,
      controllerNamespace: context.controllerNamespace,
      ...(live
        ? {
            targets: targets.map((t) => ({
              namespace: t.namespace ?? '',
              name: t.name,
              workload: t.workload,
            })),
          }
        : {}),
      workloadSizes,
      now: options.now,
    });
  } catch (error) {
    // Only a malformed policy (e.g. a blackout cron that does not parse) gets here.
    specProblems.push(`the guardrails cannot be evaluated: ${(error as Error).message}`);
    decision = { allowed: false, verdicts: [] };
  }
  const verdicts = decision.verdicts.map((verdict): PlannedVerdict => {
    if (decidedAtRunTime.has(verdict.guardrail)) {
      return {
        ...verdict,
        status: 'deferred',
        message: 'checked when the run starts, against the experiments running then',
      };
    }
    if (!live && needsCluster.has(verdict.guardrail) && !standalone) {
      return {
        ...verdict,
        status: 'unchecked',
        message: 'not checked: no cluster to read namespaces and pods from',
      };
    }
    return { ...verdict, status: verdict.allowed ? 'pass' : 'deny' };
  });

  return {
    specProblems,
    live,
    ...(clusterError ? { clusterError } : {}),
    standalone,
    matching: matching.length,
    targets,
    subset: targets.length < matching.length,
    blastRadius: blastRadius(targets, workloadSizes),
    verdicts,
    allowed: specProblems.length === 0 && verdicts.every((v) => v.status !== 'deny'),
  };
}

function blastRadius(targets: readonly Candidate[], sizes: Readonly<Record<string, number>>): BlastRadius[] {
  const hits = new Map<string, number>();
  for (const target of targets) {
    const workload = target.workload ?? `${target.namespace ?? ''}/Pod/${target.name}`;
    hits.set(workload, (hits.get(workload) ?? 0) + 1);
  }
  return [...hits]
    .map(([workload, hit]) => {
      const size = Math.max(sizes[workload] ?? hit, hit);
      return { workload, hit, size, percent: Math.round((hit / size) * 100) };
    })
    .sort((a, b) => (a.workload < b.workload ? -1 : a.workload > b.workload ? 1 : 0));
}

export function faultSummary(spec: ChaosExperimentSpec): { name: string; kind: string; settings: string }[] {
  return namedFaults(spec).map(({ name, kind, fault }) => {
    const settings = JSON.stringify((fault as Record<string, unknown>)[kind] ?? {});
    return { name, kind, settings: settings === '{}' ? '' : settings };
  });
}

async function observeCluster(options: {
  cluster: ClusterReader;
  namespace: string;
  namespaces: string[];
  spec: ChaosExperimentSpec;
}) {
  const { cluster, namespace, namespaces, spec } = options;
  const [pods, labels, nodes] = await Promise.all([
    Promise.all(namespaces.map((ns) => cluster.pods(ns))).then((lists) => lists.flat()),
    Promise.all(
      [...new Set([...namespaces, namespace])].map(async (ns) => [ns, await cluster.namespace(ns)] as const),
    ),
    spec.selector.nodeSelector ? cluster.nodes() : Promise.resolve([]),
  ]);
  const namespaceLabels: Record<string, Record<string, string> | undefined> = {};
  for (const [ns, info] of labels) namespaceLabels[ns] = info?.labels;
  const matching = podCandidates({
    pods,
    selector: spec.selector,
    experimentNamespace: namespace,
    nodeLabels: new Map(nodes.map((n) => [n.name, n.labels])),
  });
  // The controller's workload size: every pod of the owner that is not being deleted.
  const workloadSizes: Record<string, number> = {};
  for (const pod of pods) {
    if (!pod.owner || pod.terminating) continue;
    const key = workloadKey(pod.namespace, pod.owner);
    workloadSizes[key] = (workloadSizes[key] ?? 0) + 1;
  }
  return { matching, namespaceLabels, workloadSizes };
}
