// In-memory storage: one global resourceVersion counter (as etcd's revision), objects kept per resource in
// maps keyed by namespace then name, plus uid and owner indexes for garbage collection.
// Stored objects are never mutated after they are stored (writers replace them), so reads can share them.
import type { JsonObject } from './resource-types.ts';

export interface ObjectMetadata {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  generateName?: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface StoredRef {
  storageKey: string;
  namespace: string;
  name: string;
}

export function metadataOf(object: JsonObject): ObjectMetadata {
  return object.metadata as ObjectMetadata;
}

/** One resource's objects; `listSorted` returns them ordered by namespace then name, as etcd keys sort. */
export class ResourceStorage {
  readonly storageKey: string;
  private readonly byNamespace = new Map<string, Map<string, JsonObject>>();
  private sortedNamespaces: string[] | undefined;
  private readonly sortedNames = new Map<string, string[]>();
  private count = 0;

  constructor(storageKey: string) {
    this.storageKey = storageKey;
  }

  get size(): number {
    return this.count;
  }

  get(namespace: string, name: string): JsonObject | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  /** Inserts or replaces; ordering caches are only invalidated when the set of names changes. */
  put(namespace: string, name: string, object: JsonObject): void {
    let objects = this.byNamespace.get(namespace);
    if (!objects) {
      objects = new Map();
      this.byNamespace.set(namespace, objects);
      this.sortedNamespaces = undefined;
    }
    if (!objects.has(name)) {
      this.count += 1;
      this.sortedNames.delete(namespace);
    }
    objects.set(name, object);
  }

  remove(namespace: string, name: string): JsonObject | undefined {
    const objects = this.byNamespace.get(namespace);
    const existing = objects?.get(name);
    if (!objects || !existing) return undefined;
    objects.delete(name);
    this.count -= 1;
    this.sortedNames.delete(namespace);
    if (objects.size === 0) {
      this.byNamespace.delete(namespace);
      this.sortedNamespaces = undefined;
    }
    return existing;
  }

  private namesIn(namespace: string): string[] {
    let names = this.sortedNames.get(namespace);
    if (!names) {
      names = [...(this.byNamespace.get(namespace)?.keys() ?? [])].sort();
      this.sortedNames.set(namespace, names);
    }
    return names;
  }

  /** Objects in key order; `namespace` undefined means all namespaces (or a cluster-scoped resource). */
  listSorted(namespace?: string): JsonObject[] {
    if (namespace === undefined && this.sortedNamespaces === undefined) {
      this.sortedNamespaces = [...this.byNamespace.keys()].sort();
    }
    const namespaces = namespace !== undefined ? [namespace] : this.sortedNamespaces!;
    const result: JsonObject[] = [];
    for (const ns of namespaces) {
      const objects = this.byNamespace.get(ns);
      if (!objects) continue;
      for (const name of this.namesIn(ns)) result.push(objects.get(name)!);
    }
    return result;
  }

  /** The objects of one namespace, unordered. */
  inNamespace(namespace: string): JsonObject[] {
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** Unordered iteration, for scans that do not need key order. */
  *all(): Iterable<JsonObject> {
    for (const objects of this.byNamespace.values()) yield* objects.values();
  }
}

export class ObjectStore {
  private revision = 0;
  private readonly storages = new Map<string, ResourceStorage>();
  private readonly byUid = new Map<string, StoredRef>();
  private readonly dependentsByOwnerUid = new Map<string, Set<string>>();

  /** The current revision, as a number. */
  get currentRevision(): number {
    return this.revision;
  }

  nextResourceVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  storage(storageKey: string): ResourceStorage {
    let storage = this.storages.get(storageKey);
    if (!storage) {
      storage = new ResourceStorage(storageKey);
      this.storages.set(storageKey, storage);
    }
    return storage;
  }

  storageKeys(): string[] {
    return [...this.storages.keys()];
  }

  get(ref: StoredRef): JsonObject | undefined {
    return this.storages.get(ref.storageKey)?.get(ref.namespace, ref.name);
  }

  findByUid(uid: string): StoredRef | undefined {
    return this.byUid.get(uid);
  }

  /** Dependents whose ownerReferences name this uid (their refs, encoded by `encodeRef`). */
  dependentsOf(ownerUid: string): StoredRef[] {
    return [...(this.dependentsByOwnerUid.get(ownerUid) ?? [])].map(decodeRef);
  }

  put(ref: StoredRef, object: JsonObject): void {
    const storage = this.storage(ref.storageKey);
    const previous = storage.get(ref.namespace, ref.name);
    if (previous) this.unindex(ref, previous);
    storage.put(ref.namespace, ref.name, object);
    this.index(ref, object);
  }

  remove(ref: StoredRef): JsonObject | undefined {
    const removed = this.storages.get(ref.storageKey)?.remove(ref.namespace, ref.name);
    if (removed) this.unindex(ref, removed);
    return removed;
  }

  private index(ref: StoredRef, object: JsonObject): void {
    const metadata = metadataOf(object);
    this.byUid.set(metadata.uid, ref);
    const encoded = encodeRef(ref);
    for (const owner of metadata.ownerReferences ?? []) {
      let dependents = this.dependentsByOwnerUid.get(owner.uid);
      if (!dependents) {
        dependents = new Set();
        this.dependentsByOwnerUid.set(owner.uid, dependents);
      }
      dependents.add(encoded);
    }
  }

  private unindex(ref: StoredRef, object: JsonObject): void {
    const metadata = metadataOf(object);
    this.byUid.delete(metadata.uid);
    const encoded = encodeRef(ref);
    for (const owner of metadata.ownerReferences ?? []) {
      const dependents = this.dependentsByOwnerUid.get(owner.uid);
      dependents?.delete(encoded);
      if (dependents?.size === 0) this.dependentsByOwnerUid.delete(owner.uid);
    }
  }
}

function encodeRef(ref: StoredRef): string {
  return JSON.stringify([ref.storageKey, ref.namespace, ref.name]);
}

function decodeRef(encoded: string): StoredRef {
  const [storageKey, namespace, name] = JSON.parse(encoded) as [string, string, string];
  return { storageKey, namespace, name };
}
