/**
 * The informer's local cache: objects by `namespace/name` key, a namespace index, and optional custom
 * indexes (for example by label). Objects handed out are the cached instances: treat them as read-only.
 */
import type { KubeObject } from '../kube-object.ts';

/** Returns the index values an object is filed under (none, one or several). */
export type IndexFunc<T extends KubeObject> = (object: T) => string[];

/** client-go's MetaNamespaceKeyFunc: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(object: KubeObject): string {
  const namespace = object.metadata?.namespace ?? '';
  const name = object.metadata?.name ?? '';
  return namespace === '' ? name : `${namespace}/${name}`;
}

/** Splits a key made by `objectKey`. */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Files objects under the value of a label (objects without the label are not indexed). */
export function indexByLabel<T extends KubeObject>(label: string): IndexFunc<T> {
  return (object) => {
    const value = object.metadata?.labels?.[label];
    return value === undefined ? [] : [value];
  };
}

/** Files objects under the string value a getter reads from them (e.g. `pod => pod.spec?.nodeName`). */
export function indexByField<T extends KubeObject>(read: (object: T) => string | undefined): IndexFunc<T> {
  return (object) => {
    const value = read(object);
    return value === undefined || value === '' ? [] : [value];
  };
}

const NAMESPACE_INDEX = '\u0000namespace';

export class ObjectStore<T extends KubeObject> {
  readonly #objects = new Map<string, T>();
  readonly #indexers: ReadonlyMap<string, IndexFunc<T>>;
  /** index name → index value → keys. */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();

  constructor(options: { indexers?: Record<string, IndexFunc<T>> } = {}) {
    const indexers = new Map<string, IndexFunc<T>>(Object.entries(options.indexers ?? {}));
    indexers.set(NAMESPACE_INDEX, (object) => [object.metadata?.namespace ?? '']);
    this.#indexers = indexers;
    for (const name of indexers.keys()) this.#indexes.set(name, new Map());
  }

  get size(): number {
    return this.#objects.size;
  }

  getByKey(key: string): T | undefined {
    return this.#objects.get(key);
  }

  get(options: { namespace?: string; name: string }): T | undefined {
    const namespace = options.namespace ?? '';
    return this.#objects.get(namespace === '' ? options.name : `${namespace}/${options.name}`);
  }

  keys(): string[] {
    return [...this.#objects.keys()];
  }

  /** All objects, or those of one namespace. */
  list(options: { namespace?: string } = {}): T[] {
    if (options.namespace === undefined) return [...this.#objects.values()];
    return this.byIndex(NAMESPACE_INDEX, options.namespace);
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.#indexes.get(indexName);
    if (!index) throw new Error(`unknown index ${JSON.stringify(indexName)}`);
    const keys = index.get(value);
    if (!keys) return [];
    return [...keys].map((key) => this.#objects.get(key)!);
  }

  /** Stores `object`, returns what was there before. */
  set(object: T): T | undefined {
    const key = objectKey(object);
    const previous = this.#objects.get(key);
    if (previous) this.#unindex(key, previous);
    this.#objects.set(key, object);
    this.#index(key, object);
    return previous;
  }

  /** Removes the object under `key`, returns it. */
  delete(key: string): T | undefined {
    const previous = this.#objects.get(key);
    if (!previous) return undefined;
    this.#unindex(key, previous);
    this.#objects.delete(key);
    return previous;
  }

  #index(key: string, object: T): void {
    for (const [name, indexer] of this.#indexers) {
      const index = this.#indexes.get(name)!;
      for (const value of new Set(indexer(object))) {
        let keys = index.get(value);
        if (!keys) {
          keys = new Set();
          index.set(value, keys);
        }
        keys.add(key);
      }
    }
  }

  #unindex(key: string, object: T): void {
    for (const [name, indexer] of this.#indexers) {
      const index = this.#indexes.get(name)!;
      for (const value of indexer(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
