// Builds the input of the pure lifecycle from the informer caches: no API calls on this path.
import type { ChaosExperiment, ChaosPolicySpec } from '../api/types.generated.ts';
import type { ObservedExperiment } from '../core/experiment/types.ts';
import { type PodSummary, podCandidates } from '../core/pod-candidates.ts';

export interface ClusterView {
  podsInNamespace(namespace: string): Iterable<PodSummary>;
  namespaceLabels(name: string): Record<string, string> | undefined;
  nodeLabels(): ReadonlyMap<string, Record<string, string>>;
  policies(): { name: string; spec: ChaosPolicySpec }[];
  /** Experiments that are injecting or running now, other than `except`. */
  activeExperiments(except: string): number;
  /** Pods per workload key, for maxTargetsPercent. */
  workloadSize(workload: string): number;
}

export function observeExperiment(options: {
  experiment: ObservedExperiment['experiment'];
  view: ClusterView;
  controllerNamespace: string;
  now: Date;
}): ObservedExperiment {
  const { experiment, view } = options;
  const spec = experiment.spec;
  const namespace = experiment.metadata.namespace ?? 'default';
  const targetNamespaces = spec.selector.namespaces?.length ? spec.selector.namespaces : [namespace];
  // Candidates are only needed when a run starts; computing them otherwise is wasted work.
  const starting =
    !experiment.metadata.deletionTimestamp &&
    experiment.status?.observedGeneration !== experiment.metadata.generation;
  const candidates = starting
    ? podCandidates({
        pods: targetNamespaces.flatMap((ns) => [...view.podsInNamespace(ns)]),
        selector: spec.selector,
        experimentNamespace: namespace,
        nodeLabels: spec.selector.nodeSelector ? view.nodeLabels() : undefined,
      })
    : [];
  const namespaceLabels: Record<string, Record<string, string> | undefined> = {};
  for (const ns of new Set([...targetNamespaces, namespace])) namespaceLabels[ns] = view.namespaceLabels(ns);
  const workloadSizes: Record<string, number> = {};
  for (const candidate of candidates) {
    if (candidate.workload && workloadSizes[candidate.workload] === undefined) {
      workloadSizes[candidate.workload] = view.workloadSize(candidate.workload);
    }
  }
  return {
    experiment,
    candidates,
    policy: {
      policies: view.policies(),
      namespaceLabels,
      controllerNamespace: options.controllerNamespace,
      workloadSizes,
      activeExperiments: view.activeExperiments(`${namespace}/${experiment.metadata.name}`),
    },
    now: options.now,
  };
}

export type { ChaosExperiment };
