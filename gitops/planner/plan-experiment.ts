// The plan of one experiment spec: which pods it would hit right now and what every guardrail
// says. The decision is core's admission (admitRun), the same function the controller runs when
// the run starts, called with what the cluster shows now; this file adds presentation only.
import type { ChaosExperimentSpec } from '../../controller/api/types.generated.ts';
import { admitRun, type RefusalReason } from '../../controller/core/experiment/admit-run.ts';
import { namedFaults } from '../../controller/core/experiment/faults.ts';
import type { Candidate } from '../../controller/core/experiment/types.ts';
import { podCandidates, workloadKey } from '../../controller/core/pod-candidates.ts';
import {
  type GuardrailVerdict,
  targetNamespaces,
  temporaryGuardrails,
} from '../../controller/core/policy.ts';
import type { ClusterPolicy, ClusterReader } from './cluster-reader.ts';

/**
 * How a verdict counts in the plan: decided now; holds the run back until it lifts (a suspension,
 * a blackout window); decided when the run starts; or unknown without a cluster.
 */
export type VerdictStatus = 'pass' | 'deny' | 'waits' | 'deferred' | 'unchecked';

export interface PlannedVerdict extends Omit<GuardrailVerdict, 'status'> {
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
  matching: number;
  targets: Candidate[];
  /** Only some matching pods are chosen: the run draws its own (the seed is the run's, not the plan's). */
  subset: boolean;
  blastRadius: BlastRadius[];
  verdicts: PlannedVerdict[];
  /** A refusal the guardrail rows do not show: no targets now, or more target records than fit. */
  refusal?: { reason: RefusalReason; message: string };
  /** No spec problem and nothing that refuses the run (a run that would wait is allowed). */
  allowed: boolean;
}

export interface ExperimentPlanContext {
  cluster?: ClusterReader;
  /** The policies in force once the PR merges: the cluster's, overlaid with the PR's own. */
  policies: readonly ClusterPolicy[];
  controllerNamespace: string;
}

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
  const experiment = { namespace, name, spec };
  const namespaces = targetNamespaces(experiment);

  let observed: Awaited<ReturnType<typeof observeCluster>> | undefined;
  let clusterError: string | undefined;
  if (context.cluster) {
    try {
      observed = await observeCluster({ cluster: context.cluster, namespace, namespaces, spec });
    } catch (error) {
      // A cluster that cannot be read (down, or RBAC refuses a namespace) leaves the plan without
      // live targets; it says why instead of failing the whole PR plan.
      clusterError = (error as Error).message;
    }
  }
  const admission = admitRun({
    experiment,
    candidates: observed?.matching,
    policy: {
      policies: context.policies,
      namespaceLabels: observed?.namespaceLabels,
      controllerNamespace: context.controllerNamespace,
      workloadSizes: observed?.workloadSizes ?? {},
      // The experiments running when the run starts cannot be known now.
      activeExperiments: undefined,
    },
    seed: options.seed,
    now: options.now,
  });
  const targets = admission.targets ?? [];
  const invalid = admission.decision === 'refuse' && admission.reason === 'InvalidSpec';
  const verdicts = admission.verdicts.map((verdict): PlannedVerdict => {
    if (verdict.status === 'unknown') {
      return verdict.guardrail === 'max-concurrent'
        ? { ...verdict, status: 'deferred' }
        : {
            ...verdict,
            status: 'unchecked',
            message: 'not checked: no cluster to read namespaces and pods from',
          };
    }
    if (verdict.status === 'deny' && temporaryGuardrails.has(verdict.guardrail)) {
      return { ...verdict, status: 'waits', message: `the run waits: ${verdict.message}` };
    }
    return { ...verdict, status: verdict.status };
  });
  const refusal =
    admission.decision === 'refuse' && !invalid && !verdicts.some((v) => v.status === 'deny')
      ? { reason: admission.reason, message: admission.message }
      : undefined;

  return {
    specProblems: invalid ? admission.problems : [],
    live: Boolean(observed),
    ...(clusterError ? { clusterError } : {}),
    matching: observed?.matching.length ?? 0,
    targets,
    subset: targets.length < (observed?.matching.length ?? 0),
    blastRadius: blastRadius(targets, observed?.workloadSizes ?? {}),
    verdicts,
    ...(refusal ? { refusal } : {}),
    allowed: admission.decision !== 'refuse',
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
