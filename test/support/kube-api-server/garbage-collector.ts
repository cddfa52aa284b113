// Background controllers of kube-controller-manager that the API conventions rely on: the garbage
// collector (ownerReferences; orphan and foreground propagation) and the namespace controller.
import type { Cluster } from './cluster.ts';
import {
  deleteObject,
  FOREGROUND_FINALIZER,
  finishRemoval,
  ORPHAN_FINALIZER,
  releaseFinalizer,
} from './delete-operations.ts';
import { KubeApiError } from './errors.ts';
import { metadataOf, type ObjectMetadata, type StoredRef } from './object-store.ts';
import type { JsonObject, ResourceType } from './resource-types.ts';
import type { StoredEvent } from './watch-hub.ts';

export interface GarbageCollectorOptions {
  /** Delay between an owner's disappearance and the collection of its dependents. */
  delayMs: number;
}

export function startGarbageCollector(cluster: Cluster, options: GarbageCollectorOptions): void {
  cluster.onChange((event) => {
    const metadata = metadataOf(event.object);
    if (event.type === 'DELETED') {
      cluster.schedule(options.delayMs, () => collectDependentsOf(cluster, metadata.uid));
      for (const owner of metadata.ownerReferences ?? []) {
        // A foreground owner waits for this dependent; re-check whether it can go now.
        cluster.schedule(options.delayMs, () => continueForeground(cluster, owner.uid));
      }
      if (event.namespace !== '')
        cluster.schedule(options.delayMs, () => continueNamespaceTermination(cluster, event.namespace));
      return;
    }
    if (event.type === 'MODIFIED' && metadata.deletionTimestamp) {
      const finalizers = metadata.finalizers ?? [];
      if (finalizers.includes(ORPHAN_FINALIZER))
        cluster.schedule(options.delayMs, () => orphanDependents(cluster, metadata.uid));
      if (finalizers.includes(FOREGROUND_FINALIZER))
        cluster.schedule(options.delayMs, () => continueForeground(cluster, metadata.uid));
      if (isNamespaceEvent(cluster, event))
        cluster.schedule(options.delayMs, () => continueNamespaceTermination(cluster, metadata.name));
    }
  });
}

function typeOf(cluster: Cluster, ref: StoredRef): ResourceType | undefined {
  return cluster.typeForStorageKey(ref.storageKey);
}

function isNamespaceEvent(cluster: Cluster, event: StoredEvent): boolean {
  const type = cluster.typeForStorageKey(event.storageKey);
  return type?.kind === 'Namespace' && type.source === 'builtin';
}

/** Deletes from the background; a dependent already gone or already terminating is fine. */
function deleteQuietly(cluster: Cluster, type: ResourceType, object: JsonObject, uid: string): void {
  const metadata = metadataOf(object);
  try {
    deleteObject(cluster, {
      type,
      namespace: metadata.namespace,
      name: metadata.name,
      options: { preconditions: { uid } },
    });
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
  }
}

function withoutOwner(object: JsonObject, ownerUid: string): JsonObject {
  const metadata = metadataOf(object);
  const owners = (metadata.ownerReferences ?? []).filter((owner) => owner.uid !== ownerUid);
  const nextMetadata: ObjectMetadata = { ...metadata };
  if (owners.length > 0) nextMetadata.ownerReferences = owners;
  else delete nextMetadata.ownerReferences;
  return { ...object, metadata: nextMetadata };
}

/** When an owner is gone, dependents with no other live owner are deleted; others just lose the reference. */
function collectDependentsOf(cluster: Cluster, ownerUid: string): void {
  if (cluster.store.findByUid(ownerUid)) return;
  for (const ref of cluster.store.dependentsOf(ownerUid)) {
    const type = typeOf(cluster, ref);
    const dependent = cluster.store.get(ref);
    if (!type || !dependent) continue;
    const metadata = metadataOf(dependent);
    const liveOwners = (metadata.ownerReferences ?? []).filter(
      (owner) => owner.uid !== ownerUid && cluster.store.findByUid(owner.uid),
    );
    if (liveOwners.length > 0) {
      cluster.commitUpdate(type, dependent, withoutOwner(dependent, ownerUid));
    } else if (!metadata.deletionTimestamp) {
      deleteQuietly(cluster, type, dependent, metadata.uid);
    }
  }
}

function ownerState(
  cluster: Cluster,
  ownerUid: string,
): { type: ResourceType; object: JsonObject } | undefined {
  const ref = cluster.store.findByUid(ownerUid);
  if (!ref) return undefined;
  const type = typeOf(cluster, ref);
  const object = cluster.store.get(ref);
  return type && object ? { type, object } : undefined;
}

function orphanDependents(cluster: Cluster, ownerUid: string): void {
  const owner = ownerState(cluster, ownerUid);
  if (!owner || !(metadataOf(owner.object).finalizers ?? []).includes(ORPHAN_FINALIZER)) return;
  for (const ref of cluster.store.dependentsOf(ownerUid)) {
    const type = typeOf(cluster, ref);
    const dependent = cluster.store.get(ref);
    if (type && dependent) cluster.commitUpdate(type, dependent, withoutOwner(dependent, ownerUid));
  }
  releaseFinalizer(
    cluster,
    owner.type,
    cluster.store.get(cluster.store.findByUid(ownerUid)!)!,
    ORPHAN_FINALIZER,
  );
}

/** Foreground deletion: dependents go first; the owner's finalizer is released once none is left. */
function continueForeground(cluster: Cluster, ownerUid: string): void {
  const owner = ownerState(cluster, ownerUid);
  if (!owner || !(metadataOf(owner.object).finalizers ?? []).includes(FOREGROUND_FINALIZER)) return;
  const dependents = cluster.store.dependentsOf(ownerUid);
  if (dependents.length === 0) {
    releaseFinalizer(cluster, owner.type, owner.object, FOREGROUND_FINALIZER);
    return;
  }
  for (const ref of dependents) {
    const type = typeOf(cluster, ref);
    const dependent = cluster.store.get(ref);
    if (type && dependent && !metadataOf(dependent).deletionTimestamp) {
      deleteQuietly(cluster, type, dependent, metadataOf(dependent).uid);
    }
  }
}

/** The namespace controller: delete everything inside, then drop the `kubernetes` spec finalizer. */
function continueNamespaceTermination(cluster: Cluster, namespaceName: string): void {
  const namespaceType = cluster.registry.byPath({ group: '', version: 'v1', plural: 'namespaces' });
  if (!namespaceType) return;
  const namespace = cluster.find(namespaceType, undefined, namespaceName);
  if (!namespace || !metadataOf(namespace).deletionTimestamp) return;
  let remaining = 0;
  for (const storageKey of cluster.store.storageKeys()) {
    const type = cluster.typeForStorageKey(storageKey);
    if (!type?.namespaced) continue;
    for (const object of cluster.store.storage(storageKey).inNamespace(namespaceName)) {
      remaining += 1;
      if (!metadataOf(object).deletionTimestamp) deleteQuietly(cluster, type, object, metadataOf(object).uid);
    }
  }
  if (remaining > 0) return;
  const spec = { ...(namespace.spec as JsonObject), finalizers: [] };
  const emptied = { ...namespace, spec };
  if (!finishRemoval(cluster, namespaceType, emptied))
    cluster.commitUpdate(namespaceType, namespace, emptied);
}
