// Builds the input of the pure lifecycle from the informer caches: no API calls on this path.
import type { ChaosExperiment, ChaosPolicySpec } from '../api/types.generated.ts';
import type { InjectionObservation, RunTimeouts } from '../core/experiment/agent-reports.ts';
import {
  type ApplicationSyncs,
  chooseRevision,
  type RevisionChoice,
  specWrittenAt,
  trackedApplication,
} from '../core/experiment/revision.ts';
import { runStateOf } from '../core/experiment/run-state.ts';
import type { ObservedExperiment } from '../core/experiment/types.ts';
import { type PodSummary, podCandidates } from '../core/pod-candidates.ts';
import { targetNamespaces } from '../core/policy.ts';

export interface ClusterView {
  podsInNamespace(namespace: string): Iterable<PodSummary>;
  namespaceLabels(name: string): Record<string, string> | undefined;
  nodeLabels(): ReadonlyMap<string, Record<string, string>>;
  policies(): { name: string; spec: ChaosPolicySpec }[];
  /** Keys (namespace/name) of the experiments whose cached status shows a run admitted and not finished. */
  activeExperimentKeys(): Iterable<string>;
  /** Pods per workload key, for maxTargetsPercent. */
  workloadSize(workload: string): number;
  /** The ChaosInjections an experiment owns, by name, as the agents last reported on them. */
  injectionsOwnedBy(experimentUid: string): ReadonlyMap<string, InjectionObservation>;
  /** Policy sources besides the cluster (Git) that could not be read just now, one sentence each. */
  policySourceProblems(): string[];
  /**
   * The Git revision this generation of the experiment came from, if the view can tell (it may
   * remember the answer from when the generation arrived). Without it, only a stamped annotation counts.
   */
  experimentRevision?(experiment: ObservedExperiment['experiment']): string | undefined;
}

/**
 * The revision of this generation: the stamped annotation, else the sync of the Argo CD Application
 * its tracking id names (when `application` finds it in a cache) that wrote the spec.
 */
export function observeRevision(
  experiment: ObservedExperiment['experiment'],
  application?: (ref: { namespace?: string; name: string }) => ApplicationSyncs | undefined,
): RevisionChoice {
  const tracked = trackedApplication(experiment);
  return chooseRevision({
    annotations: experiment.metadata.annotations,
    writtenAt: specWrittenAt(experiment.metadata),
    application: tracked && application ? application(tracked) : undefined,
  });
}

export function observeExperiment(options: {
  experiment: ObservedExperiment['experiment'];
  view: ClusterView;
  controllerNamespace: string;
  /**
   * Other experiments with a run admitted and not finished: the caller counts its own writes the
   * cache has not shown yet, which the view cannot know.
   */
  activeExperiments: number;
  timeouts?: RunTimeouts;
  now: Date;
}): ObservedExperiment {
  const { experiment, view } = options;
  const spec = experiment.spec;
  const namespace = experiment.metadata.namespace ?? 'default';
  const namespaces = targetNamespaces({ namespace, name: experiment.metadata.name, spec });
  // Candidates are only needed when a run starts; computing them otherwise is wasted work.
  const state = runStateOf(experiment);
  const starting = !experiment.metadata.deletionTimestamp && (state === 'new' || state === 'waiting');
  const candidates = starting
    ? podCandidates({
        pods: namespaces.flatMap((ns) => [...view.podsInNamespace(ns)]),
        selector: spec.selector,
        experimentNamespace: namespace,
        nodeLabels: spec.selector.nodeSelector ? view.nodeLabels() : undefined,
      })
    : [];
  const namespaceLabels: Record<string, Record<string, string> | undefined> = {};
  for (const ns of new Set([...namespaces, namespace])) namespaceLabels[ns] = view.namespaceLabels(ns);
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
      activeExperiments: options.activeExperiments,
    },
    policySourceProblems: view.policySourceProblems(),
    ...observedRevision(experiment, view),
    // The children matter while a fault may be in place: during a run and while being deleted.
    ...(state === 'running' || experiment.metadata.deletionTimestamp
      ? { injections: view.injectionsOwnedBy(experiment.metadata.uid) }
      : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    now: options.now,
  };
}

function observedRevision(
  experiment: ObservedExperiment['experiment'],
  view: ClusterView,
): { revision?: string } {
  const revision = view.experimentRevision
    ? view.experimentRevision(experiment)
    : observeRevision(experiment).revision;
  return revision ? { revision } : {};
}

export type { ChaosExperiment };
