// Just enough of the ReplicaSet controller for pod-kill experiments to see real recovery: when a pod
// owned by a live ReplicaSet disappears, a replacement with the same labels and spec appears.
import type { Cluster } from './cluster.ts';
import { metadataOf } from './object-store.ts';
import { runningPodStatus } from './pod-factory.ts';
import type { JsonObject } from './resource-types.ts';
import { createObject } from './write-operations.ts';

export interface ReplicaSetControllerOptions {
  /** Delay before the replacement pod is created. */
  recreateDelayMs: number;
}

export function startReplicaSetController(cluster: Cluster, options: ReplicaSetControllerOptions): void {
  cluster.onChange((event) => {
    if (event.type !== 'DELETED') return;
    const podType = cluster.typeForStorageKey(event.storageKey);
    if (podType?.kind !== 'Pod' || podType.source !== 'builtin') return;
    const owner = (metadataOf(event.object).ownerReferences ?? []).find(
      (reference) => reference.kind === 'ReplicaSet' && reference.controller === true,
    );
    if (!owner) return;
    const deletedPod = event.object;
    cluster.schedule(options.recreateDelayMs, () => {
      const ownerRef = cluster.store.findByUid(owner.uid);
      const replicaSet = ownerRef ? cluster.store.get(ownerRef) : undefined;
      if (!replicaSet || metadataOf(replicaSet).deletionTimestamp) return;
      const created = createObject(cluster, {
        type: podType,
        namespace: event.namespace,
        body: replacementFor(deletedPod, metadataOf(replicaSet).name),
      });
      if ((created.status as { phase?: string } | undefined)?.phase !== 'Running') {
        // With podStartup 'pending' the replica still comes up, as a second write, like a real kubelet.
        cluster.commitUpdate(podType, created, {
          ...created,
          status: runningPodStatus({ pod: created, timestamp: cluster.timestamp() }),
        });
      }
    });
  });
}

function replacementFor(deletedPod: JsonObject, replicaSetName: string): JsonObject {
  const metadata = metadataOf(deletedPod);
  const replacementMetadata: JsonObject = {
    generateName: `${replicaSetName}-`,
    namespace: metadata.namespace,
    ownerReferences: metadata.ownerReferences,
  };
  if (metadata.labels) replacementMetadata.labels = metadata.labels;
  if (metadata.annotations) replacementMetadata.annotations = metadata.annotations;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: replacementMetadata,
    spec: structuredClone(deletedPod.spec),
  };
}
