// The Deployment controller, simplified: one ReplicaSet per pod template (named by the template's hash);
// the current one is scaled to `spec.replicas`, older ones to 0 once the current one is fully available
// (Recreate: old ones first). Status (replicas, updated/ready/available/unavailableReplicas,
// observedGeneration, Available and Progressing conditions) is what `kubectl rollout status` reads.
// Not modelled: maxSurge/maxUnavailable pacing, minReadySeconds, progress deadlines, revision history.
import { createHash } from 'node:crypto';
import type { Cluster } from './cluster.ts';
import { KubeApiError } from './errors.ts';
import { metadataOf, type OwnerReference } from './object-store.ts';
import { jsonEqual } from './patch.ts';
import type { JsonObject, ResourceType } from './resource-types.ts';
import { createObject } from './write-operations.ts';

export interface DeploymentControllerOptions {
  /** How long the controller takes to react to a change (it coalesces changes meanwhile). */
  delayMs: number;
}

const HASH_LABEL = 'pod-template-hash';
const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

type Template = { metadata?: { labels?: Record<string, string> } & JsonObject; spec?: JsonObject };
type DeploymentSpec = {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: Template;
  strategy?: { type?: string };
};
type ReplicaSetStatus = { replicas?: number; readyReplicas?: number; availableReplicas?: number };
type Condition = { type: string; status: string; reason: string; message: string } & JsonObject;

function appsType(cluster: Cluster, plural: string): ResourceType {
  return cluster.registry.byPath({ group: 'apps', version: 'v1', plural })!;
}

/** The template as the controller compares it: without the hash label it adds itself. */
function withoutHash(template: Template | undefined): Template {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

export function templateHash(template: Template | undefined): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(withoutHash(template)))
    .digest();
  return [...digest.subarray(0, 10)].map((byte) => HASH_ALPHABET[byte % HASH_ALPHABET.length]).join('');
}

function ownedReplicaSets(cluster: Cluster, uid: string): JsonObject[] {
  return cluster.store
    .dependentsOf(uid)
    .filter((ref) => ref.storageKey === 'replicasets.apps')
    .map((ref) => cluster.store.get(ref))
    .filter((object): object is JsonObject => object !== undefined)
    .filter((object) => controllerUid(object) === uid);
}

function controllerUid(object: JsonObject): string | undefined {
  return (metadataOf(object).ownerReferences ?? []).find((owner: OwnerReference) => owner.controller)?.uid;
}

function newReplicaSet(deployment: JsonObject, replicas: number): JsonObject {
  const metadata = metadataOf(deployment);
  const spec = deployment.spec as DeploymentSpec;
  const hash = templateHash(spec.template);
  const template = structuredClone(spec.template ?? {});
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${metadata.name}-${hash}`,
      namespace: metadata.namespace,
      labels: template.metadata.labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: metadata.name,
          uid: metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      selector: { matchLabels: { ...spec.selector?.matchLabels, [HASH_LABEL]: hash } },
      template,
    },
  };
}

function scale(cluster: Cluster, replicaSet: JsonObject, replicas: number): void {
  const spec = replicaSet.spec as { replicas?: number };
  if (spec.replicas === replicas) return;
  cluster.commitUpdate(appsType(cluster, 'replicasets'), replicaSet, {
    ...replicaSet,
    metadata: { ...metadataOf(replicaSet), generation: (metadataOf(replicaSet).generation ?? 1) + 1 },
    spec: { ...spec, replicas },
  });
}

export function reconcileDeployment(cluster: Cluster, uid: string): void {
  const ref = cluster.store.findByUid(uid);
  const deployment = ref ? cluster.store.get(ref) : undefined;
  if (!deployment || metadataOf(deployment).deletionTimestamp) return;
  const spec = deployment.spec as DeploymentSpec;
  const desired = spec.replicas ?? 1;
  const owned = ownedReplicaSets(cluster, uid);
  let current = owned.find((replicaSet) =>
    jsonEqual(withoutHash((replicaSet.spec as DeploymentSpec).template), withoutHash(spec.template)),
  );
  const old = owned.filter((replicaSet) => replicaSet !== current);
  const oldReplicas = old.reduce(
    (sum, replicaSet) => sum + ((replicaSet.status as ReplicaSetStatus)?.replicas ?? 0),
    0,
  );
  const recreate = spec.strategy?.type === 'Recreate';
  if (!current) {
    const replicas = recreate && oldReplicas > 0 ? 0 : desired;
    try {
      current = createObject(cluster, {
        type: appsType(cluster, 'replicasets'),
        namespace: metadataOf(deployment).namespace,
        body: newReplicaSet(deployment, replicas),
      });
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      return;
    }
  } else if (!recreate || oldReplicas === 0) {
    scale(cluster, current, desired);
  }
  const currentAvailable = (current.status as ReplicaSetStatus | undefined)?.availableReplicas ?? 0;
  if (recreate || currentAvailable >= desired) for (const replicaSet of old) scale(cluster, replicaSet, 0);
  writeStatus(cluster, uid, metadataOf(current));
}

function condition(previous: Condition[] | undefined, next: Omit<Condition, 'lastUpdateTime'>, now: string) {
  const before = previous?.find((item) => item.type === next.type);
  if (before && before.status === next.status && before.reason === next.reason) return before;
  return {
    ...next,
    lastUpdateTime: now,
    lastTransitionTime: before?.status === next.status ? before?.lastTransitionTime : now,
  };
}

function writeStatus(cluster: Cluster, uid: string, current: { uid: string; name: string }): void {
  const ref = cluster.store.findByUid(uid);
  const deployment = ref ? cluster.store.get(ref) : undefined;
  if (!deployment) return;
  const desired = (deployment.spec as DeploymentSpec).replicas ?? 1;
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const replicaSet of ownedReplicaSets(cluster, uid)) {
    const status = (replicaSet.status ?? {}) as ReplicaSetStatus;
    replicas += status.replicas ?? 0;
    ready += status.readyReplicas ?? 0;
    available += status.availableReplicas ?? 0;
    if (metadataOf(replicaSet).uid === current.uid) updated = status.replicas ?? 0;
  }
  const previous = deployment.status as { conditions?: Condition[] } | undefined;
  const now = cluster.timestamp();
  const maxUnavailable = Math.floor(desired / 4);
  const complete = updated === desired && replicas === desired && available === desired;
  const availableCondition = condition(
    previous?.conditions,
    available >= desired - maxUnavailable
      ? {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        }
      : {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        },
    now,
  );
  const name = current.name;
  const progressing = condition(
    previous?.conditions,
    complete
      ? {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${name}" has successfully progressed.`,
        }
      : {
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          message: `ReplicaSet "${name}" is progressing.`,
        },
    now,
  );
  const status: JsonObject = {
    observedGeneration: metadataOf(deployment).generation ?? 1,
    replicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    conditions: [availableCondition, progressing],
  };
  if (replicas > available) status.unavailableReplicas = replicas - available;
  if (jsonEqual(status, deployment.status)) return;
  cluster.commitUpdate(appsType(cluster, 'deployments'), deployment, { ...deployment, status });
}

export function startDeploymentController(cluster: Cluster, options: DeploymentControllerOptions): void {
  const enqueue = (uid: string) =>
    cluster.scheduleOnce(`deployment/${uid}`, options.delayMs, () => reconcileDeployment(cluster, uid));
  cluster.onChange((event) => {
    const type = cluster.typeForStorageKey(event.storageKey);
    if (type?.source !== 'builtin') return;
    if (type.kind === 'Deployment' && event.type !== 'DELETED') {
      const previous = event.previous;
      if (!previous || !jsonEqual(previous.spec, event.object.spec)) enqueue(metadataOf(event.object).uid);
      return;
    }
    if (type.kind !== 'ReplicaSet') return;
    const owner = (metadataOf(event.object).ownerReferences ?? []).find(
      (reference) => reference.kind === 'Deployment' && reference.controller === true,
    );
    if (owner) enqueue(owner.uid);
  });
}
