// Pods as the controller keeps them: a few fields instead of the whole object, so that tens of
// thousands of pods fit in a small controller.
import type { PodSummary } from '../core/pod-candidates.ts';

interface RawPod {
  metadata?: {
    namespace?: string;
    name?: string;
    uid?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
    resourceVersion?: string;
  };
  spec?: { nodeName?: string; containers?: { name: string }[] };
  status?: { phase?: string; containerStatuses?: { name: string; containerID?: string }[] };
}

/** The summary keeps `metadata` so the informer can key and version it like any object. */
export interface PodRecord extends PodSummary {
  metadata: {
    namespace: string;
    name: string;
    uid: string;
    resourceVersion?: string;
    labels: Record<string, string>;
  };
}

export function summarizePod(pod: RawPod): PodRecord {
  const metadata = pod.metadata ?? {};
  const owner = metadata.ownerReferences?.find((r) => r.controller) ?? metadata.ownerReferences?.[0];
  const ids = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s.containerID]));
  const labels = metadata.labels ?? {};
  return {
    metadata: {
      namespace: metadata.namespace ?? '',
      name: metadata.name ?? '',
      uid: metadata.uid ?? '',
      resourceVersion: metadata.resourceVersion,
      labels,
    },
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    uid: metadata.uid ?? '',
    labels,
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
    terminating: Boolean(metadata.deletionTimestamp),
    ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}),
    containers: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      ...(ids.get(c.name) ? { id: ids.get(c.name) } : {}),
    })),
  };
}
