// Builds a Deployment → ReplicaSet → Pods chain, linked by ownerReferences, ready for `server.seed()`.
import { randomUUID } from 'node:crypto';
import { makeRunningPod, realisticPodParts } from './pod-factory.ts';
import type { JsonObject } from './resource-types.ts';

export interface WorkloadOptions {
  name: string;
  namespace?: string;
  replicas: number;
  /** Pod labels (also the selector); defaults to `{ app: name }`. */
  labels?: Record<string, string>;
  /** Pods are spread over these nodes round-robin. */
  nodeNames?: string[];
  /** Pods (and the template) as `makeRunningPod`'s `size`; default 'minimal'. */
  podSize?: 'minimal' | 'realistic';
}

export interface Workload {
  deployment: JsonObject;
  replicaSet: JsonObject;
  pods: JsonObject[];
  /** Everything, owners first, for `seed()`. */
  objects: JsonObject[];
}

export function makeWorkload(options: WorkloadOptions): Workload {
  const namespace = options.namespace ?? 'default';
  const labels = options.labels ?? { app: options.name };
  const nodes = options.nodeNames && options.nodeNames.length > 0 ? options.nodeNames : ['node-1'];
  const deploymentUid = randomUUID();
  const replicaSetUid = randomUUID();
  const replicaSetName = `${options.name}-5d9c7b8f4`;
  // The status the built-in controllers would report for a settled workload, so seeding writes nothing.
  const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    reason,
    message,
    lastUpdateTime: timestamp,
    lastTransitionTime: timestamp,
  });
  const status = {
    observedGeneration: 1,
    replicas: options.replicas,
    updatedReplicas: options.replicas,
    readyReplicas: options.replicas,
    availableReplicas: options.replicas,
    conditions: [
      condition('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
      condition(
        'Progressing',
        'NewReplicaSetAvailable',
        `ReplicaSet "${replicaSetName}" has successfully progressed.`,
      ),
    ],
  };
  const realistic =
    options.podSize === 'realistic' ? realisticPodParts({ name: options.name, labels }) : undefined;
  const template = realistic
    ? { metadata: { labels: realistic.labels, annotations: realistic.annotations }, spec: realistic.spec }
    : { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'busybox' }] } };
  const deployment: JsonObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.name, namespace, uid: deploymentUid, labels },
    spec: { replicas: options.replicas, selector: { matchLabels: labels }, template },
    status,
  };
  const replicaSet: JsonObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: replicaSetName,
      namespace,
      uid: replicaSetUid,
      labels,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: options.name,
          uid: deploymentUid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { replicas: options.replicas, selector: { matchLabels: labels }, template },
    status: {
      replicas: options.replicas,
      fullyLabeledReplicas: options.replicas,
      readyReplicas: options.replicas,
      availableReplicas: options.replicas,
      observedGeneration: 1,
    },
  };
  const pods = Array.from({ length: options.replicas }, (_, index) =>
    makeRunningPod({
      name: `${replicaSetName}-${index.toString(36).padStart(5, '0')}`,
      namespace,
      labels,
      nodeName: nodes[index % nodes.length],
      owner: { name: replicaSetName, uid: replicaSetUid },
      size: options.podSize,
    }),
  );
  return { deployment, replicaSet, pods, objects: [deployment, replicaSet, ...pods] };
}
