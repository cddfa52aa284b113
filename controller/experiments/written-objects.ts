// Our own writes, remembered until the informer cache catches up. Without this a reconcile that
// follows our write at once reads the stale cached object and writes again from old state,
// only to hit a 409. An entry is used while the cache still shows a version that our writes
// replaced (a reconcile may write several times in a row before the cache sees any of them).
import type { ObservedExperiment } from '../core/experiment/types.ts';

type Experiment = ObservedExperiment['experiment'];

export class WrittenObjects {
  readonly #entries = new Map<string, { replaced: Set<string>; object: Experiment }>();

  remember(key: string, replacedVersion: string, object: Experiment): void {
    const previous = this.#entries.get(key);
    // Chained writes (each from the object the last one wrote) keep every version they replaced.
    const chained = previous?.object.metadata.resourceVersion === replacedVersion;
    const replaced = chained ? previous.replaced : new Set<string>();
    replaced.add(replacedVersion);
    this.#entries.set(key, { replaced, object });
  }

  /** The freshest known state: ours if the cache has not seen our last write yet, else the cache's. */
  resolve(key: string, cached: Experiment | undefined): Experiment | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return cached;
    if (
      cached?.metadata.resourceVersion !== undefined &&
      entry.replaced.has(cached.metadata.resourceVersion)
    ) {
      return entry.object;
    }
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
