// Pods as a scheduler and kubelet would leave them: there is no kubelet here, so the server (and the
// test helpers) give pods a Running phase and Ready conditions themselves.
import { createHash } from 'node:crypto';
import type { JsonObject } from './resource-types.ts';

function podIpFor(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `10.${(hash >>> 16) & 255}.${(hash >>> 8) & 255}.${(hash & 253) + 1}`;
}

function containerNames(pod: JsonObject): string[] {
  const spec = pod.spec as { containers?: { name?: string }[] } | undefined;
  return (spec?.containers ?? []).map((container, index) => container.name ?? `container-${index}`);
}

/**
 * The status the kubelet reports once every container runs: Ready, or (`ready: false`) started but not
 * yet passing readiness.
 */
export function runningPodStatus(options: {
  pod: JsonObject;
  timestamp: string;
  ready?: boolean;
}): JsonObject {
  const { pod, timestamp } = options;
  const ready = options.ready ?? true;
  const name = String((pod.metadata as JsonObject | undefined)?.name ?? '');
  const spec = pod.spec as { containers?: { name?: string; image?: string }[] } | undefined;
  const condition = (type: string, status = 'True') => ({
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: timestamp,
    ...(status === 'True' ? {} : { reason: 'ContainersNotReady' }),
  });
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers'),
      condition('Initialized'),
      condition('Ready', ready ? 'True' : 'False'),
      condition('ContainersReady', ready ? 'True' : 'False'),
      condition('PodScheduled'),
    ],
    hostIP: '172.18.0.2',
    podIP: podIpFor(name),
    podIPs: [{ ip: podIpFor(name) }],
    startTime: timestamp,
    qosClass: 'BestEffort',
    containerStatuses: containerNames(pod).map((containerName, index) => ({
      name: containerName,
      image: spec?.containers?.[index]?.image ?? 'busybox',
      imageID: '',
      // Real runtimes report 64 hex digits; derive them so the same pod always gets the same ID.
      containerID: `containerd://${createHash('sha256').update(`${name}/${containerName}`).digest('hex')}`,
      ready,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: timestamp } },
    })),
  };
}

/** A pod no kubelet has started yet; `scheduledAt` adds the scheduler's PodScheduled condition. */
export function pendingPodStatus(scheduledAt?: string): JsonObject {
  if (!scheduledAt) return { phase: 'Pending', qosClass: 'BestEffort' };
  return {
    phase: 'Pending',
    conditions: [
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: scheduledAt },
    ],
    qosClass: 'BestEffort',
  };
}

/** Whether the pod's Ready condition is True. */
export function isPodReady(pod: JsonObject): boolean {
  const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return (conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');
}

export interface RunningPodOptions {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  /** Makes the pod a replica of this ReplicaSet (controller owner reference). */
  owner?: { kind?: string; apiVersion?: string; name: string; uid: string };
  containers?: { name: string; image?: string }[];
  timestamp?: string;
}

/** A ready-to-seed pod with Running status, for `server.seed()` or the JS create helpers. */
export function makeRunningPod(options: RunningPodOptions): JsonObject {
  const timestamp = options.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const metadata: JsonObject = {
    name: options.name,
    namespace: options.namespace ?? 'default',
    labels: { ...(options.labels ?? {}) },
  };
  if (options.owner) {
    metadata.ownerReferences = [
      {
        apiVersion: options.owner.apiVersion ?? 'apps/v1',
        kind: options.owner.kind ?? 'ReplicaSet',
        name: options.owner.name,
        uid: options.owner.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
  }
  const pod: JsonObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: {
      nodeName: options.nodeName ?? 'node-1',
      containers: (options.containers ?? [{ name: 'app', image: 'busybox' }]).map((container) => ({
        name: container.name,
        image: container.image ?? 'busybox',
      })),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
  };
  pod.status = runningPodStatus({ pod, timestamp });
  return pod;
}
