// DELETE semantics: preconditions, graceful pod deletion (with a simulated kubelet), finalizers with
// deletionTimestamp, and the orphan/foreground propagation finalizers the garbage collector honours.
import type { Cluster } from './cluster.ts';
import { badRequestError, conflictError, successStatus } from './errors.ts';
import { metadataOf, type ObjectMetadata } from './object-store.ts';
import { type JsonObject, qualifiedResourceOf, type ResourceType } from './resource-types.ts';

export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface DeleteRequest {
  type: ResourceType;
  namespace?: string;
  name: string;
  options: DeleteOptionsBody;
  dryRun?: boolean;
}

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface DeleteResult {
  /** What the API answers: the object, or a Success Status for kinds that do not return it. */
  body: JsonObject;
  /** True when the object is gone; false while finalizers or graceful termination keep it. */
  removed: boolean;
}

function checkPreconditions(type: ResourceType, existing: JsonObject, options: DeleteOptionsBody): void {
  const metadata = metadataOf(existing);
  const conflict = (why: string) =>
    conflictError({
      qualifiedResource: qualifiedResourceOf(type),
      group: type.group,
      kind: type.plural,
      name: metadata.name,
      why,
    });
  const wanted = options.preconditions;
  if (wanted?.uid && wanted.uid !== metadata.uid) {
    throw conflict(
      `Precondition failed: UID in precondition: ${wanted.uid}, UID in object meta: ${metadata.uid}`,
    );
  }
  if (wanted?.resourceVersion && wanted.resourceVersion !== metadata.resourceVersion) {
    throw conflict(
      `Precondition failed: ResourceVersion in precondition: ${wanted.resourceVersion}, ResourceVersion in object meta: ${metadata.resourceVersion}`,
    );
  }
}

function propagationFinalizer(options: DeleteOptionsBody): string | undefined {
  if (
    options.propagationPolicy === 'Orphan' ||
    (options.propagationPolicy === undefined && options.orphanDependents === true)
  ) {
    return ORPHAN_FINALIZER;
  }
  if (options.propagationPolicy === 'Foreground') return FOREGROUND_FINALIZER;
  return undefined;
}

/** Pods on a node are terminated by the kubelet, which takes the grace period; the server waits for it. */
function gracefulPeriodFor(type: ResourceType, existing: JsonObject, options: DeleteOptionsBody): number {
  if (type.kind !== 'Pod' || type.source !== 'builtin') return 0;
  const spec = existing.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  const phase = (existing.status as { phase?: string } | undefined)?.phase;
  if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  return options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
}

function answer(type: ResourceType, object: JsonObject, removed: boolean): DeleteResult {
  if (!removed || type.returnDeletedObject) return { body: object, removed };
  const metadata = metadataOf(object);
  return {
    body: successStatus({
      name: metadata.name,
      group: type.group || undefined,
      kind: type.plural,
      uid: metadata.uid,
    }) as unknown as JsonObject,
    removed,
  };
}

export function deleteObject(cluster: Cluster, request: DeleteRequest): DeleteResult {
  const { type, options } = request;
  if (
    options.gracePeriodSeconds !== undefined &&
    (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)
  ) {
    throw badRequestError('gracePeriodSeconds must be a non-negative integer');
  }
  const existing = cluster.require(type, request.namespace, request.name);
  checkPreconditions(type, existing, options);
  const metadata = metadataOf(existing);
  const finalizers = [...(metadata.finalizers ?? [])];
  const extra = propagationFinalizer(options);
  if (extra && !finalizers.includes(extra) && !metadata.deletionTimestamp) finalizers.push(extra);
  const grace = gracefulPeriodFor(type, existing, options);
  const namespaceTermination = type.kind === 'Namespace' && type.source === 'builtin';

  if (finalizers.length === 0 && grace === 0 && !namespaceTermination) {
    if (request.dryRun) return answer(type, cluster.present(type, existing), true);
    return answer(type, cluster.present(type, cluster.commitRemoval(type, existing)), true);
  }
  const next = markForDeletion(cluster, existing, { finalizers, grace, namespaceTermination });
  if (request.dryRun) return answer(type, next, false);
  const stored = next === existing ? existing : cluster.commitUpdate(type, existing, next);
  if (grace > 0) scheduleKubeletRemoval(cluster, type, stored);
  return answer(type, cluster.present(type, stored), false);
}

function markForDeletion(
  cluster: Cluster,
  existing: JsonObject,
  plan: { finalizers: string[]; grace: number; namespaceTermination: boolean },
): JsonObject {
  const metadata = metadataOf(existing);
  if (metadata.deletionTimestamp) {
    // A second delete may only shorten a pod's remaining grace period.
    const current = metadata.deletionGracePeriodSeconds ?? 0;
    if (plan.grace === 0 || plan.grace >= current) return existing;
  }
  const nextMetadata: ObjectMetadata = {
    ...metadata,
    deletionTimestamp: cluster.timestamp(plan.grace),
    deletionGracePeriodSeconds: plan.grace,
    generation: (metadata.generation ?? 0) + 1,
  };
  if (plan.finalizers.length > 0) nextMetadata.finalizers = plan.finalizers;
  const next: JsonObject = { ...existing, metadata: nextMetadata };
  if (plan.namespaceTermination) next.status = { ...(existing.status as JsonObject), phase: 'Terminating' };
  return next;
}

/** The kubelet confirms termination with a zero-grace delete, which still waits for finalizers. */
function scheduleKubeletRemoval(cluster: Cluster, type: ResourceType, pod: JsonObject): void {
  const { name, namespace, uid } = metadataOf(pod);
  cluster.schedule(cluster.options.podTerminationDelayMs, () => {
    const current = cluster.find(type, namespace, name);
    if (!current || metadataOf(current).uid !== uid) return;
    if (!finishRemoval(cluster, type, current, true)) {
      // Finalizers still hold the pod: record that the kubelet is done so their release removes it.
      const metadata = { ...metadataOf(current), deletionGracePeriodSeconds: 0 };
      cluster.commitUpdate(type, current, { ...current, metadata });
    }
  });
}

/**
 * Whether an object marked for deletion may go now: no finalizers left, and neither a namespace still
 * being emptied nor a pod the kubelet is still terminating.
 */
export function canRemoveNow(
  type: ResourceType,
  object: JsonObject,
  options: { kubeletDone: boolean },
): boolean {
  const metadata = metadataOf(object);
  if ((metadata.finalizers ?? []).length > 0) return false;
  if (type.source !== 'builtin') return true;
  if (type.kind === 'Namespace') {
    return ((object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length === 0;
  }
  if (type.kind === 'Pod' && !options.kubeletDone) return (metadata.deletionGracePeriodSeconds ?? 0) === 0;
  return true;
}

/** Removes an object that was marked for deletion once nothing holds it any more. */
export function finishRemoval(
  cluster: Cluster,
  type: ResourceType,
  object: JsonObject,
  kubeletDone = false,
): boolean {
  if (!canRemoveNow(type, object, { kubeletDone })) return false;
  cluster.commitRemoval(type, object);
  return true;
}

/** Removes one finalizer (used by the built-in garbage collector); removal follows if it was the last. */
export function releaseFinalizer(
  cluster: Cluster,
  type: ResourceType,
  object: JsonObject,
  finalizer: string,
): void {
  const metadata = metadataOf(object);
  const finalizers = (metadata.finalizers ?? []).filter((item) => item !== finalizer);
  const nextMetadata: ObjectMetadata = { ...metadata };
  if (finalizers.length > 0) nextMetadata.finalizers = finalizers;
  else delete nextMetadata.finalizers;
  const next = { ...object, metadata: nextMetadata };
  if (metadata.deletionTimestamp && finishRemoval(cluster, type, next)) return;
  cluster.commitUpdate(type, object, next);
}

export function deleteCollection(
  cluster: Cluster,
  request: Omit<DeleteRequest, 'name'> & { items: JsonObject[] },
): JsonObject[] {
  const deleted: JsonObject[] = [];
  for (const item of request.items) {
    const result = deleteObject(cluster, { ...request, name: metadataOf(item).name });
    deleted.push(result.removed ? cluster.present(request.type, item) : result.body);
  }
  return deleted;
}
