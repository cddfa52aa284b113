// What the planner reads from a live cluster: pods, namespaces, nodes and policies, nothing else,
// and never a write. A static reader serves tests and offline plans; a caching wrapper makes
// every namespace and list a single read per plan, however many manifests need it.
import type { ChaosPolicySpec } from '../../controller/api/types.generated.ts';
import type { PodSummary } from '../../controller/core/pod-candidates.ts';

export interface NamedLabels {
  name: string;
  labels: Record<string, string>;
}

export interface ClusterPolicy {
  name: string;
  spec: ChaosPolicySpec;
}

export interface ClusterReader {
  /** Every pod in the namespace (any phase): the same summaries the controller keeps. */
  pods(namespace: string): Promise<PodSummary[]>;
  /** The namespace's labels, or undefined when it does not exist. */
  namespace(name: string): Promise<NamedLabels | undefined>;
  policies(): Promise<ClusterPolicy[]>;
  nodes(): Promise<NamedLabels[]>;
}

export interface StaticClusterOptions {
  pods?: readonly PodSummary[];
  namespaces?: readonly NamedLabels[];
  policies?: readonly ClusterPolicy[];
  nodes?: readonly NamedLabels[];
}

/** A cluster held in memory: for tests, benchmarks and plans made from a snapshot. */
export function staticClusterReader(options: StaticClusterOptions): ClusterReader {
  const podsByNamespace = new Map<string, PodSummary[]>();
  for (const pod of options.pods ?? []) {
    const list = podsByNamespace.get(pod.namespace) ?? [];
    list.push(pod);
    podsByNamespace.set(pod.namespace, list);
  }
  const namespaces = new Map((options.namespaces ?? []).map((n) => [n.name, n]));
  return {
    pods: async (namespace) => [...(podsByNamespace.get(namespace) ?? [])],
    namespace: async (name) => namespaces.get(name),
    policies: async () => [...(options.policies ?? [])],
    nodes: async () => [...(options.nodes ?? [])],
  };
}

/** Memoizes every read (failures too), so one plan reads each thing at most once. */
export function cachedClusterReader(reader: ClusterReader): ClusterReader {
  const pods = new Map<string, Promise<PodSummary[]>>();
  const namespaces = new Map<string, Promise<NamedLabels | undefined>>();
  let policies: Promise<ClusterPolicy[]> | undefined;
  let nodes: Promise<NamedLabels[]> | undefined;
  const memo = <T>(map: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    let value = map.get(key);
    if (!value) {
      value = read();
      map.set(key, value);
    }
    return value;
  };
  return {
    pods: (namespace) => memo(pods, namespace, () => reader.pods(namespace)),
    namespace: (name) => memo(namespaces, name, () => reader.namespace(name)),
    policies: () => {
      policies ??= reader.policies();
      return policies;
    },
    nodes: () => {
      nodes ??= reader.nodes();
      return nodes;
    },
  };
}
