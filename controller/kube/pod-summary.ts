// Pods as the controller keeps them: a few fields instead of the whole object, so that tens of
// thousands of pods fit in a small controller. The pod cache is most of what the controller holds
// (test/bench/scale.bench.ts lists 50,000 realistic pods), so a summary is compact as well: its own
// fields double as its metadata, the names and IDs of its containers are one string, and what the
// pods of one template have in common (labels, owner, namespace, node, phase) is one value they
// share, where JSON.parse gives every pod its own copy. About 640 bytes of heap per pod of three
// containers, cache entry included, instead of 1,130 as plain objects.
import type { PodSummary } from '../core/pod-candidates.ts';

interface RawPod {
  metadata?: {
    namespace?: string;
    name?: string;
    uid?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
    resourceVersion?: string;
  };
  spec?: { nodeName?: string; containers?: { name: string }[] };
  status?: { phase?: string; containerStatuses?: { name: string; containerID?: string }[] };
}

/** The summary has `metadata` so the informer can key and version it like any object. */
export interface PodRecord extends PodSummary {
  readonly metadata: {
    namespace: string;
    name: string;
    uid: string;
    resourceVersion?: string;
    labels: Record<string, string>;
  };
}

type Container = { name: string; id?: string };

/**
 * Values many pods hold equal, each kept once. Summaries share them, so they are read-only (as every
 * cached object is). Bounded: a table that fills up starts over, so values that only one pod has (a
 * StatefulSet pod's own label) cannot pile up here; the summaries made before keep what they hold.
 */
export class SharedValues {
  readonly #limit: number;
  readonly #strings = new Map<string, string>();
  readonly #labels = new Map<string, Record<string, string>>();
  readonly #owners = new Map<string, { kind: string; name: string }>();

  constructor(limit = 4096) {
    this.#limit = limit;
  }

  string(value: string): string {
    return this.#get(this.#strings, value, () => value);
  }

  /** Equal label sets (the same keys and values in the same order) are one object. */
  labels(labels: Record<string, string>): Record<string, string> {
    let key = '';
    for (const name in labels) key += `${name}\u0000${labels[name]}\u0000`;
    return this.#get(this.#labels, key, () => labels);
  }

  owner(kind: string, name: string): { kind: string; name: string } {
    return this.#get(this.#owners, `${kind}\u0000${name}`, () => ({
      kind: this.string(kind),
      name: this.string(name),
    }));
  }

  #get<T>(table: Map<string, T>, key: string, make: () => T): T {
    let value = table.get(key);
    if (value === undefined) {
      if (table.size >= this.#limit) table.clear();
      value = make();
      table.set(key, value);
    }
    return value;
  }
}

const shared = new SharedValues();

/** Between the names and IDs of packed containers: neither a container name nor an ID holds it. */
const SEPARATOR = '\u0000';

/**
 * name, id, name, id, … in one string ('' for a container without an ID): a third of the memory of
 * an array of objects. A value holding the separator (never seen in a cluster) keeps the objects.
 */
function packContainers(containers: Container[]): string | Container[] {
  const parts: string[] = [];
  for (const { name, id = '' } of containers) {
    if (name.includes(SEPARATOR) || id.includes(SEPARATOR)) return containers;
    parts.push(name, id);
  }
  return parts.join(SEPARATOR);
}

function unpackContainers(packed: string | Container[]): Container[] {
  if (typeof packed !== 'string') return packed.map((container) => ({ ...container }));
  if (packed === '') return [];
  const parts = packed.split(SEPARATOR);
  const containers: Container[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const name = parts[i]!;
    const id = parts[i + 1];
    containers.push(id ? { name, id } : { name });
  }
  return containers;
}

/** One class, so every summary has the same layout with its fields inside the object. */
class CachedPod implements PodRecord {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string | undefined;
  readonly labels: Record<string, string>;
  readonly terminating: boolean;
  declare readonly nodeName?: string;
  declare readonly phase?: string;
  declare readonly owner?: { kind: string; name: string };
  readonly #containers: string | Container[];

  constructor(pod: RawPod, values: SharedValues) {
    const metadata = pod.metadata ?? {};
    this.namespace = values.string(metadata.namespace ?? '');
    this.name = metadata.name ?? '';
    this.uid = metadata.uid ?? '';
    this.resourceVersion = metadata.resourceVersion;
    this.labels = values.labels(metadata.labels ?? {});
    this.terminating = Boolean(metadata.deletionTimestamp);
    // Absent rather than undefined when the pod has none, as the PodSummary type has them.
    if (pod.spec?.nodeName) this.nodeName = values.string(pod.spec.nodeName);
    if (pod.status?.phase) this.phase = values.string(pod.status.phase);
    const owner = metadata.ownerReferences?.find((r) => r.controller) ?? metadata.ownerReferences?.[0];
    if (owner) this.owner = values.owner(owner.kind, owner.name);
    const statuses = pod.status?.containerStatuses ?? [];
    this.#containers = packContainers(
      (pod.spec?.containers ?? []).map(({ name }) => {
        // A container's ID is in the last status of its name.
        const id = statuses.findLast((status) => status.name === name)?.containerID;
        return id ? { name, id } : { name };
      }),
    );
  }

  /** Namespace, name, uid, resourceVersion and labels: the summary's own fields. */
  get metadata(): PodRecord['metadata'] {
    return this;
  }

  /** The containers in the pod's order, with the IDs their statuses give; a new array each time. */
  get containers(): Container[] {
    return unpackContainers(this.#containers);
  }
}

/** `values` is for tests; the informers share one table. */
export function summarizePod(pod: RawPod, values: SharedValues = shared): PodRecord {
  return new CachedPod(pod, values);
}
