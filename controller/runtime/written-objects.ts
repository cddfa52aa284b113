// Our own writes, remembered until the informer cache catches up (the written-object overlay).
// Without it a reconcile that follows our write at once reads the stale cached object and writes
// again from old state, only to hit a 409 (or, for the admission count, miss a run admitted a
// moment ago). An entry is used while the cache still shows a version that our writes replaced: a
// reconcile may write several times in a row before the cache sees any of them. One module for
// every controller (runtime/controller.ts owns one per controller) and for the node agent.
import type { KubeObject } from './kube-object.ts';

export class WrittenObjects<T extends KubeObject = KubeObject> {
  readonly #entries = new Map<string, { replaced: Set<string>; object: T }>();

  /**
   * `object` is what our write of `key` returned; `replacedVersion` the resourceVersion the write
   * started from. Every version an earlier write of ours replaced, and that write's own result, stay
   * replaced: the cache showing any of them is behind us.
   */
  remember(key: string, replacedVersion: string, object: T): void {
    const previous = this.#entries.get(key);
    const replaced = previous?.replaced ?? new Set<string>();
    const previousVersion = previous?.object.metadata?.resourceVersion;
    if (previousVersion !== undefined) replaced.add(previousVersion);
    replaced.add(replacedVersion);
    const version = object.metadata?.resourceVersion;
    if (version !== undefined) replaced.delete(version);
    this.#entries.set(key, { replaced, object });
  }

  /** The freshest known state: ours if the cache has not seen our last write yet, else the cache's. */
  resolve(key: string, cached: T | undefined): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return cached;
    const version = cached?.metadata?.resourceVersion;
    if (version !== undefined && entry.replaced.has(version)) return entry.object;
    this.#entries.delete(key);
    return cached;
  }

  /** Keys with a write the cache may not show yet. */
  keys(): IterableIterator<string> {
    return this.#entries.keys();
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}
