// Our own writes, remembered until the informer cache catches up. Without this a reconcile that
// follows our write at once reads the stale cached object and writes again from old state,
// only to hit a 409. An entry is used while the cache still shows the version we replaced.
import type { ObservedExperiment } from '../core/experiment/types.ts';

type Experiment = ObservedExperiment['experiment'];

export class WrittenObjects {
  readonly #entries = new Map<string, { replaced: string; object: Experiment }>();

  remember(key: string, replacedVersion: string, object: Experiment): void {
    this.#entries.set(key, { replaced: replacedVersion, object });
  }

  /** The freshest known state: ours if the cache has not seen our write yet, else the cache's. */
  resolve(key: string, cached: Experiment | undefined): Experiment | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return cached;
    if (cached && cached.metadata.resourceVersion === entry.replaced) return entry.object;
    this.#entries.delete(key);
    return cached;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}
