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
  /**
   * 'realistic': what a pod of a real Deployment carries (about 6 KB of JSON): an app container, a
   * proxy sidecar and a log shipper with ports, env, resources, probes and mounts, an init container,
   * volumes, tolerations, several labels and annotations. Default 'minimal'.
   */
  size?: 'minimal' | 'realistic';
}

/**
 * Metadata and spec of a pod as a real Deployment's are (size 'realistic'); `labels` are kept and
 * joined by the usual extra ones.
 */
export function realisticPodParts(options: { name: string; labels: Record<string, string> }): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: JsonObject;
} {
  const app = options.labels.app ?? options.name;
  const probe = (path: string) => ({
    httpGet: { path, port: 8080, scheme: 'HTTP' },
    initialDelaySeconds: 5,
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  });
  const mounts = [
    { name: 'config', mountPath: '/etc/app', readOnly: true },
    { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
  ];
  const resources = (cpu: string, memory: string) => ({
    requests: { cpu, memory },
    limits: { memory },
  });
  const container = (name: string, image: string, extra: JsonObject) => ({
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    volumeMounts: mounts,
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    ...extra,
  });
  return {
    labels: {
      'app.kubernetes.io/name': app,
      'app.kubernetes.io/part-of': 'shop',
      'app.kubernetes.io/version': '4.12.3',
      'pod-template-hash': '5d9c7b8f4',
      team: 'checkout',
      tier: 'backend',
      ...options.labels,
    },
    annotations: {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9090',
      'prometheus.io/path': '/metrics',
      'checksum/config': 'b5d4e1c9a0f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a2918076f5e',
      'kubectl.kubernetes.io/restartedAt': '2026-11-02T09:14:27Z',
      'cluster-autoscaler.kubernetes.io/safe-to-evict': 'true',
    },
    spec: {
      initContainers: [
        container('migrate', `registry.example.com/shop/${app}-migrate:4.12.3`, {
          command: ['/bin/migrate', '--wait', '--timeout=60s'],
          env: [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: `${app}-db`, key: 'url' } } }],
          resources: resources('50m', '64Mi'),
        }),
      ],
      containers: [
        container('app', `registry.example.com/shop/${app}:4.12.3`, {
          args: ['--config=/etc/app/config.yaml', '--listen=:8080', '--metrics=:9090'],
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
          ],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: `${app}-db`, key: 'url' } } },
          ],
          resources: resources('250m', '512Mi'),
          readinessProbe: probe('/ready'),
          livenessProbe: probe('/healthz'),
        }),
        container('proxy', 'registry.example.com/mesh/proxy:1.22.4', {
          args: ['proxy', 'sidecar', '--concurrency=2', '--log-level=warning'],
          ports: [{ name: 'proxy-admin', containerPort: 15000, protocol: 'TCP' }],
          resources: resources('100m', '128Mi'),
          readinessProbe: { ...probe('/healthz/ready'), httpGet: { path: '/healthz/ready', port: 15021 } },
        }),
        container('log-shipper', 'registry.example.com/observability/shipper:2.3.0', {
          args: ['--input=/var/log/app', '--output=loki://loki.observability:3100'],
          resources: resources('20m', '48Mi'),
        }),
      ],
      volumes: [
        { name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } },
        {
          name: 'kube-api-access',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            ],
          },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: app,
      serviceAccount: app,
      securityContext: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
      schedulerName: 'default-scheduler',
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 300,
        },
      ],
    },
  };
}

/** A ready-to-seed pod with Running status, for `server.seed()` or the JS create helpers. */
export function makeRunningPod(options: RunningPodOptions): JsonObject {
  const timestamp = options.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const realistic =
    options.size === 'realistic'
      ? realisticPodParts({ name: options.name, labels: options.labels ?? {} })
      : undefined;
  const metadata: JsonObject = {
    name: options.name,
    namespace: options.namespace ?? 'default',
    labels: realistic?.labels ?? { ...(options.labels ?? {}) },
  };
  if (realistic) metadata.annotations = realistic.annotations;
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
    spec: realistic
      ? { ...realistic.spec, nodeName: options.nodeName ?? 'node-1' }
      : {
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
  if (realistic) {
    const status = pod.status as JsonObject;
    status.qosClass = 'Burstable';
    status.initContainerStatuses = [
      {
        name: 'migrate',
        image: `registry.example.com/shop/${realistic.labels.app ?? options.name}-migrate:4.12.3`,
        imageID: '',
        containerID: `containerd://${createHash('sha256').update(`${options.name}/migrate`).digest('hex')}`,
        ready: true,
        started: false,
        restartCount: 0,
        state: {
          terminated: { exitCode: 0, reason: 'Completed', startedAt: timestamp, finishedAt: timestamp },
        },
      },
    ];
  }
  return pod;
}
