// A simulated scheduler and kubelet for pods created through the API. The scheduler puts a pod without
// a node on the least loaded node; the kubelet then takes it Pending → Running (not Ready) → Ready on
// the configured delays. With both delays 0 a pod is Running and Ready from the moment it is created.
import type { Cluster } from './cluster.ts';
import { metadataOf } from './object-store.ts';
import { pendingPodStatus, runningPodStatus } from './pod-factory.ts';
import type { JsonObject, ResourceType } from './resource-types.ts';

type PodSpec = { nodeName?: string };

function isBuiltinPod(type: ResourceType | undefined): type is ResourceType {
  return type?.kind === 'Pod' && type.source === 'builtin';
}

/** Node objects if there are any, else the nodes pods already run on, else `node-1`. */
function candidateNodes(cluster: Cluster, pods: JsonObject[]): string[] {
  const nodes = cluster.store.storage('nodes').listSorted(undefined);
  if (nodes.length > 0) return nodes.map((node) => metadataOf(node).name);
  const used = new Set(pods.map((pod) => (pod.spec as PodSpec | undefined)?.nodeName).filter(Boolean));
  return used.size > 0 ? [...(used as Set<string>)].sort() : ['node-1'];
}

/** Binds a pod without `spec.nodeName` to the node with the fewest live pods (ties: first by name). */
export function scheduleNode(cluster: Cluster, pod: JsonObject): void {
  const spec = (pod.spec ?? {}) as PodSpec;
  if (spec.nodeName) return;
  const pods = cluster.store
    .storage('pods')
    .listSorted(undefined)
    .filter((other) => !metadataOf(other).deletionTimestamp);
  const load = new Map(candidateNodes(cluster, pods).map((node) => [node, 0]));
  for (const other of pods) {
    const node = (other.spec as PodSpec | undefined)?.nodeName;
    if (node && load.has(node)) load.set(node, load.get(node)! + 1);
  }
  let chosen = [...load.keys()][0]!;
  for (const [node, count] of load) if (count < load.get(chosen)!) chosen = node;
  pod.spec = { ...spec, nodeName: chosen };
}

/** The status a pod created through the API starts with. */
export function initialPodStatus(cluster: Cluster, pod: JsonObject): JsonObject {
  if (cluster.options.podStartup === 'pending') return pendingPodStatus();
  scheduleNode(cluster, pod);
  const { startDelayMs, readyDelayMs } = cluster.options.podStartDelays;
  if (startDelayMs === 0 && readyDelayMs === 0)
    return runningPodStatus({ pod, timestamp: cluster.timestamp() });
  return pendingPodStatus(cluster.timestamp());
}

/** Moves one pod a step on, if it is still the same pod, alive, and where the step starts. */
function advance(cluster: Cluster, type: ResourceType, uid: string, from: 'Pending' | 'Started'): void {
  const ref = cluster.store.findByUid(uid);
  const pod = ref ? cluster.store.get(ref) : undefined;
  if (!pod || metadataOf(pod).deletionTimestamp) return;
  const status = pod.status as
    | { phase?: string; conditions?: { type: string; status: string }[] }
    | undefined;
  const ready = status?.conditions?.some(
    (condition) => condition.type === 'Ready' && condition.status === 'True',
  );
  if (from === 'Pending' && status?.phase !== 'Pending') return;
  if (from === 'Started' && (status?.phase !== 'Running' || ready)) return;
  const next = runningPodStatus({ pod, timestamp: cluster.timestamp(), ready: from === 'Started' });
  cluster.commitUpdate(type, pod, { ...pod, status: next });
  if (from === 'Pending') {
    cluster.schedule(cluster.options.podStartDelays.readyDelayMs, () =>
      advance(cluster, type, uid, 'Started'),
    );
  }
}

/** Starts the kubelet: every scheduled Pending pod created from now on is started, then made Ready. */
export function startKubelet(cluster: Cluster): void {
  const { startDelayMs, readyDelayMs } = cluster.options.podStartDelays;
  if (cluster.options.podStartup === 'pending' || (startDelayMs === 0 && readyDelayMs === 0)) return;
  cluster.onChange((event) => {
    if (event.type !== 'ADDED') return;
    const type = cluster.typeForStorageKey(event.storageKey);
    if (!isBuiltinPod(type)) return;
    const status = event.object.status as { phase?: string } | undefined;
    if (status?.phase !== 'Pending' || !(event.object.spec as PodSpec | undefined)?.nodeName) return;
    const { uid } = metadataOf(event.object);
    cluster.schedule(startDelayMs, () => advance(cluster, type, uid, 'Pending'));
  });
}
