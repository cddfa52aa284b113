// Which pods an experiment's selector matches right now. Only running pods that are not being
// deleted are candidates: a pod on its way out proves nothing when it is killed again.
import type { Selector } from '../api/types.generated.ts';
import type { Candidate } from './experiment/types.ts';
import { matchesLabelSelector } from './label-selector.ts';

/** The parts of a pod the controller keeps in memory (a transform on the informer cache). */
export interface PodSummary {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  nodeName?: string;
  phase?: string;
  terminating: boolean;
  owner?: { kind: string; name: string };
  containers: { name: string; id?: string }[];
}

export interface PodCandidateOptions {
  pods: Iterable<PodSummary>;
  selector: Selector;
  experimentNamespace: string;
  /** Node name → labels, for selector.nodeSelector. */
  nodeLabels?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

const fieldGetters: Record<string, (pod: PodSummary) => string | undefined> = {
  'metadata.name': (pod) => pod.name,
  'metadata.namespace': (pod) => pod.namespace,
  'spec.nodeName': (pod) => pod.nodeName,
  'status.phase': (pod) => pod.phase,
};

export const supportedPodFields = Object.keys(fieldGetters);

export function podCandidates({
  pods,
  selector,
  experimentNamespace,
  nodeLabels,
}: PodCandidateOptions): Candidate[] {
  const namespaces = new Set(selector.namespaces?.length ? selector.namespaces : [experimentNamespace]);
  const names = selector.names?.length ? new Set(selector.names) : undefined;
  const candidates: Candidate[] = [];
  for (const pod of pods) {
    if (!namespaces.has(pod.namespace) || pod.terminating || pod.phase !== 'Running') continue;
    if (names && !names.has(pod.name)) continue;
    if (!matchesLabelSelector(selector.labelSelector, pod.labels)) continue;
    if (
      !Object.entries(selector.fieldSelector ?? {}).every(
        ([field, value]) => fieldGetters[field]?.(pod) === value,
      )
    ) {
      continue;
    }
    if (selector.nodeSelector) {
      const labels = pod.nodeName ? nodeLabels?.get(pod.nodeName) : undefined;
      if (!labels || !Object.entries(selector.nodeSelector).every(([k, v]) => labels[k] === v)) continue;
    }
    if (
      selector.containerNames?.length &&
      !pod.containers.some((c) => selector.containerNames!.includes(c.name))
    ) {
      continue;
    }
    candidates.push({
      kind: 'Pod',
      namespace: pod.namespace,
      name: pod.name,
      uid: pod.uid,
      ...(pod.nodeName ? { node: pod.nodeName } : {}),
      ...(pod.owner ? { workload: workloadKey(pod.namespace, pod.owner) } : {}),
    });
  }
  return candidates;
}

export function workloadKey(namespace: string, owner: { kind: string; name: string }): string {
  return `${namespace}/${owner.kind}/${owner.name}`;
}
