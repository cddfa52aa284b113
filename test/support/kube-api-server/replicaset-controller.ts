// The ReplicaSet controller: keeps `spec.replicas` live pods made from `spec.template`, and reports
// replicas / readyReplicas / availableReplicas. A pod that starts terminating (deletionTimestamp set)
// no longer counts, so its replacement is created right away, not once the old pod is gone.
import type { Cluster } from './cluster.ts';
import { deleteObject } from './delete-operations.ts';
import { KubeApiError } from './errors.ts';
import { metadataOf, type OwnerReference } from './object-store.ts';
import { jsonEqual } from './patch.ts';
import { isPodReady } from './pod-factory.ts';
import type { JsonObject, ResourceType } from './resource-types.ts';
import { createObject } from './write-operations.ts';

export interface ReplicaSetControllerOptions {
  /** How long the controller takes to react to a change (it coalesces changes meanwhile). */
  recreateDelayMs: number;
}

type ReplicaSetSpec = { replicas?: number; template?: { metadata?: JsonObject; spec?: JsonObject } };

function controllerOf(object: JsonObject, kind: string): OwnerReference | undefined {
  return (metadataOf(object).ownerReferences ?? []).find(
    (reference) => reference.kind === kind && reference.controller === true,
  );
}

function builtinType(cluster: Cluster, plural: string, group: string): ResourceType {
  return cluster.registry.byPath({ group, version: 'v1', plural })!;
}

/** Live pods count; terminating and finished ones do not. */
function isActive(pod: JsonObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !metadataOf(pod).deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function ownedPods(cluster: Cluster, ownerUid: string): JsonObject[] {
  const pods: JsonObject[] = [];
  for (const ref of cluster.store.dependentsOf(ownerUid)) {
    if (ref.storageKey !== 'pods') continue;
    const pod = cluster.store.get(ref);
    if (pod && controllerOf(pod, 'ReplicaSet')?.uid === ownerUid) pods.push(pod);
  }
  return pods;
}

function newPod(replicaSet: JsonObject): JsonObject {
  const metadata = metadataOf(replicaSet);
  const template = (replicaSet.spec as ReplicaSetSpec).template ?? {};
  const templateMetadata = (template.metadata ?? {}) as JsonObject;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...templateMetadata,
      generateName: `${metadata.name}-`,
      namespace: metadata.namespace,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: metadata.name,
          uid: metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

/** Which surplus pods go first: not ready before ready, then the newest. */
function deletionOrder(a: JsonObject, b: JsonObject): number {
  const readiness = Number(isPodReady(a)) - Number(isPodReady(b));
  if (readiness !== 0) return readiness;
  return metadataOf(b).creationTimestamp.localeCompare(metadataOf(a).creationTimestamp);
}

function quietly(action: () => void): void {
  try {
    action();
  } catch (error) {
    // A namespace going away, a pod already gone: the next change reconciles again.
    if (!(error instanceof KubeApiError)) throw error;
  }
}

export function reconcileReplicaSet(cluster: Cluster, uid: string): void {
  const ref = cluster.store.findByUid(uid);
  const replicaSet = ref ? cluster.store.get(ref) : undefined;
  if (!replicaSet || metadataOf(replicaSet).deletionTimestamp) return;
  const podType = builtinType(cluster, 'pods', '');
  const { namespace } = metadataOf(replicaSet);
  const desired = (replicaSet.spec as ReplicaSetSpec).replicas ?? 1;
  const active = ownedPods(cluster, uid).filter(isActive);
  for (let missing = desired - active.length; missing > 0; missing -= 1) {
    quietly(() => createObject(cluster, { type: podType, namespace, body: newPod(replicaSet) }));
  }
  for (const pod of active.sort(deletionOrder).slice(0, Math.max(0, active.length - desired))) {
    const { name } = metadataOf(pod);
    quietly(() => deleteObject(cluster, { type: podType, namespace, name, options: {} }));
  }
  writeStatus(cluster, uid);
}

function writeStatus(cluster: Cluster, uid: string): void {
  const ref = cluster.store.findByUid(uid);
  const replicaSet = ref ? cluster.store.get(ref) : undefined;
  if (!replicaSet) return;
  const active = ownedPods(cluster, uid).filter(isActive);
  const ready = active.filter(isPodReady).length;
  const status: JsonObject = {
    ...(replicaSet.status as JsonObject | undefined),
    replicas: active.length,
    fullyLabeledReplicas: active.length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: metadataOf(replicaSet).generation ?? 1,
  };
  if (jsonEqual(status, replicaSet.status)) return;
  cluster.commitUpdate(builtinType(cluster, 'replicasets', 'apps'), replicaSet, { ...replicaSet, status });
}

export function startReplicaSetController(cluster: Cluster, options: ReplicaSetControllerOptions): void {
  const enqueue = (uid: string) =>
    cluster.scheduleOnce(`replicaset/${uid}`, options.recreateDelayMs, () =>
      reconcileReplicaSet(cluster, uid),
    );
  cluster.onChange((event) => {
    const type = cluster.typeForStorageKey(event.storageKey);
    if (type?.source !== 'builtin') return;
    if (type.kind === 'ReplicaSet' && event.type !== 'DELETED') {
      // Status writes (ours included) change nothing the controller acts on.
      const previous = event.previous;
      if (!previous || !jsonEqual(previous.spec, event.object.spec)) enqueue(metadataOf(event.object).uid);
      return;
    }
    if (type.kind !== 'Pod') return;
    const owner = controllerOf(event.object, 'ReplicaSet');
    if (owner) enqueue(owner.uid);
  });
}
