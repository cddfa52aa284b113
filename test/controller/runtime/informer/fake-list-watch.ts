/**
 * A scripted in-memory API for one collection: it holds the truth, keeps an event history so a watch can
 * resume from a resourceVersion, compacts history (so old versions get 410 Gone), and injects faults on
 * demand. Deterministic: events are delivered synchronously when the truth changes.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { GoneError, WatchFailedError } from '../../../../controller/runtime/errors.ts';
import type {
  ListResult,
  ListWatch,
  WatchEvent,
} from '../../../../controller/runtime/informer/list-watch.ts';
import { objectKey } from '../../../../controller/runtime/informer/object-store.ts';

export type Fault =
  | 'listError'
  | 'watchRequestError'
  | 'watchGoneStatus'
  | 'watchGoneEvent'
  | 'watchErrorEvent'
  | 'watchClosesEmpty';

interface ActiveWatch {
  onEvent: (event: WatchEvent<KubernetesObject>) => void;
  finish: (error?: Error) => void;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export class FakeListWatch implements ListWatch<KubernetesObject> {
  readonly truth = new Map<string, KubernetesObject>();
  readonly calls = { list: 0, watch: 0, watchFrom: [] as string[] };
  #version = 100;
  #history: { version: number; event: WatchEvent<KubernetesObject> }[] = [];
  /** Watches from a version below this get 410. */
  #oldestWatchable = 0;
  #faults: Fault[] = [];
  #active = new Set<ActiveWatch>();

  /** Queues faults; each is used by the next list or watch call it applies to. */
  inject(...faults: Fault[]): void {
    this.#faults.push(...faults);
  }

  /** Drops faults not used yet and returns how many there were. */
  clearFaults(): number {
    return this.#faults.splice(0).length;
  }

  pendingFaults(): number {
    return this.#faults.length;
  }

  activeWatches(): number {
    return this.#active.size;
  }

  upsert(options: { namespace: string; name: string; labels?: Record<string, string>; data?: string }): void {
    const object: KubernetesObject & { data?: string } = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        namespace: options.namespace || undefined,
        name: options.name,
        labels: options.labels,
        resourceVersion: String(++this.#version),
      },
      data: options.data,
    };
    const key = objectKey(object);
    const existed = this.truth.has(key);
    this.truth.set(key, object);
    this.#publish({ type: existed ? 'MODIFIED' : 'ADDED', object });
  }

  remove(key: string): void {
    const object = this.truth.get(key);
    if (!object) return;
    this.truth.delete(key);
    const tombstone = clone(object);
    tombstone.metadata!.resourceVersion = String(++this.#version);
    this.#publish({ type: 'DELETED', object: tombstone });
  }

  /** Forgets history so any watch from an older version gets 410 Gone. */
  compact(): void {
    this.#oldestWatchable = this.#version;
    this.#history = [];
  }

  /** Ends every open watch stream normally, as an API server or proxy timeout would. */
  dropWatches(): void {
    for (const watch of [...this.#active]) watch.finish();
  }

  /** Sends a bookmark (a newer resourceVersion without an object change) to open watches. */
  bookmark(): void {
    const version = String(++this.#version);
    for (const watch of [...this.#active]) {
      watch.onEvent({ type: 'BOOKMARK', object: { metadata: { resourceVersion: version } } });
    }
  }

  async list(): Promise<ListResult<KubernetesObject>> {
    this.calls.list++;
    if (this.#takeFault(['listError'])) throw new Error('list failed: 500 Internal Server Error');
    return { items: [...this.truth.values()].map(clone), resourceVersion: String(this.#version) };
  }

  watch(options: {
    resourceVersion: string;
    signal: AbortSignal;
    onEvent: (event: WatchEvent<KubernetesObject>) => void;
  }): Promise<void> {
    this.calls.watch++;
    this.calls.watchFrom.push(options.resourceVersion);
    const fault = this.#takeFault([
      'watchRequestError',
      'watchGoneStatus',
      'watchGoneEvent',
      'watchErrorEvent',
      'watchClosesEmpty',
    ]);
    if (fault === 'watchRequestError') return Promise.reject(new WatchFailedError('connection reset'));
    if (fault === 'watchClosesEmpty') return Promise.resolve();
    const from = Number(options.resourceVersion);
    const expired = fault === 'watchGoneStatus' || fault === 'watchGoneEvent' || from < this.#oldestWatchable;
    if (expired && fault !== 'watchGoneEvent')
      return Promise.reject(new GoneError('too old resource version'));
    return new Promise((resolve, reject) => {
      const watch: ActiveWatch = {
        onEvent: options.onEvent,
        finish: (error) => {
          this.#active.delete(watch);
          options.signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        },
      };
      const onAbort = () => watch.finish();
      options.signal.addEventListener('abort', onAbort, { once: true });
      if (expired || fault === 'watchErrorEvent') {
        // The API server reports these inside a 200 stream, then closes it.
        const code = expired ? 410 : 500;
        options.onEvent({ type: 'ERROR', object: { kind: 'Status', code, message: `status ${code}` } });
        watch.finish();
        return;
      }
      this.#active.add(watch);
      for (const entry of this.#history) {
        if (entry.version > from && this.#active.has(watch)) options.onEvent(clone(entry.event));
      }
    });
  }

  #publish(event: WatchEvent<KubernetesObject>): void {
    this.#history.push({ version: this.#version, event: clone(event) });
    for (const watch of [...this.#active]) watch.onEvent(clone(event));
  }

  #takeFault(applicable: Fault[]): Fault | undefined {
    const index = this.#faults.findIndex((fault) => applicable.includes(fault));
    if (index < 0) return undefined;
    return this.#faults.splice(index, 1)[0];
  }
}
