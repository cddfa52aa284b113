/**
 * An informer that keeps a local cache in step with the API server and survives everything a watch can do.
 *
 * client-node's ListWatch stops for good on a list error or a non-410 watch error (it only emits 'error');
 * this one owns its list+watch loop instead, like client-go's reflector:
 * - list (full replace of the cache, with add/update/delete events for the differences), then watch from
 *   the list's resourceVersion, and watch again from the last seen resourceVersion when the stream ends;
 * - 410 Gone (as an HTTP status or an ERROR event) → list again;
 * - any other error → retry after exponential back-off with jitter (reset once a watch is healthy);
 * - stops when the AbortSignal aborts.
 */

import { type Clock, sleep } from '../clock.ts';
import { GoneError, isRuntimeError, WatchFailedError } from '../errors.ts';
import type { KubeObject } from '../kube-object.ts';
import { describeError, type RuntimeLogger, silentLogger } from '../logger.ts';
import type { ListWatch, WatchEvent } from './list-watch.ts';
import { type IndexFunc, ObjectStore, objectKey } from './object-store.ts';

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, current: T): void;
  /**
   * `finalStateUnknown` is true when the delete was inferred from a relist (the watch missed it), so
   * `object` is the last state we knew, not the state at deletion.
   */
  onDelete?(object: T, info: { finalStateUnknown: boolean }): void;
}

export interface InformerBackoff {
  /** First retry delay. Default 800 ms (client-go's reflector). */
  initialMs?: number;
  /** Cap. Default 30 s. */
  maxMs?: number;
  /** Fraction of random extra delay, 0..1. Default 0.5. */
  jitter?: number;
}

export interface ResilientInformerOptions<T extends KubeObject> {
  listWatch: ListWatch<T>;
  clock: Clock;
  /** For logs. */
  name?: string;
  indexers?: Record<string, IndexFunc<T>>;
  backoff?: InformerBackoff;
  /** A watch that ends sooner than this without delivering anything counts as a failure. Default 1 s. */
  minWatchDurationMs?: number;
  random?: () => number;
  logger?: RuntimeLogger;
}

export class ResilientInformer<T extends KubeObject> {
  readonly #options: ResilientInformerOptions<T>;
  readonly #store: ObjectStore<T>;
  readonly #handlers = new Set<InformerHandlers<T>>();
  readonly #logger: RuntimeLogger;
  #resourceVersion = '';
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #running = false;
  #consecutiveFailures = 0;

  constructor(options: ResilientInformerOptions<T>) {
    this.#options = options;
    this.#store = new ObjectStore({ indexers: options.indexers });
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Registers handlers; returns a function that removes them. Handlers added after objects are cached get
   * an `onAdd` for each cached object first, so late subscribers see the full state.
   */
  addHandlers(handlers: InformerHandlers<T>): () => void {
    this.#handlers.add(handlers);
    for (const object of this.#store.list()) this.#call('onAdd', () => handlers.onAdd?.(object));
    return () => this.#handlers.delete(handlers);
  }

  /** True once the first list has been applied to the cache. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves true once synced, or false if `signal` aborts first. */
  waitForSync(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** The resourceVersion the next watch would start from ('' means the next step is a list). */
  lastSyncResourceVersion(): string {
    return this.#resourceVersion;
  }

  getByKey(key: string): T | undefined {
    return this.#store.getByKey(key);
  }

  get(options: { namespace?: string; name: string }): T | undefined {
    return this.#store.get(options);
  }

  list(options: { namespace?: string } = {}): T[] {
    return this.#store.list(options);
  }

  byIndex(indexName: string, value: string): T[] {
    return this.#store.byIndex(indexName, value);
  }

  /** Runs the list+watch loop until `signal` aborts. Never rejects because of the API. */
  async run(options: { signal: AbortSignal }): Promise<void> {
    const { signal } = options;
    if (this.#running) throw new Error('ResilientInformer.run is already running');
    this.#running = true;
    try {
      // Bounded by the signal; every failed iteration sleeps for the back-off.
      while (!signal.aborted) {
        try {
          await this.#listAndWatchOnce(signal);
        } catch (error) {
          if (signal.aborted) break;
          if (!(await this.#recover(error, signal))) break;
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #listAndWatchOnce(signal: AbortSignal): Promise<void> {
    const { listWatch, clock } = this.#options;
    if (this.#resourceVersion === '' && !(await this.#list(signal))) return;
    const watchAbort = new AbortController();
    const onAbort = () => watchAbort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let streamError: Error | undefined;
    let delivered = 0;
    const startedAt = clock.now();
    try {
      await listWatch.watch({
        resourceVersion: this.#resourceVersion,
        signal: watchAbort.signal,
        onEvent: (event) => {
          if (streamError || watchAbort.signal.aborted) return;
          streamError = this.#apply(event);
          if (streamError) watchAbort.abort();
          else delivered++;
        },
      });
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    if (streamError) throw streamError;
    if (signal.aborted) return;
    const healthy = delivered > 0 || clock.now() - startedAt >= (this.#options.minWatchDurationMs ?? 1000);
    if (!healthy) throw new WatchFailedError('watch closed at once without events', { data: { delivered } });
    this.#consecutiveFailures = 0;
    this.#logger.debug({ informer: this.#options.name, delivered }, 'watch ended, watching again');
  }

  /**
   * Lists into the cache; false if the signal aborted meanwhile. A method of its own so that the list
   * is not held while the watch that follows runs: a suspended async function keeps its locals, and
   * the listed objects would stay in memory next to their newer versions until that watch ended.
   */
  async #list(signal: AbortSignal): Promise<boolean> {
    const listed = await this.#options.listWatch.list({ signal });
    if (signal.aborted) return false;
    this.#replace(listed.items);
    this.#resourceVersion = listed.resourceVersion;
    this.#markSynced();
    return true;
  }

  /** Handles a failed list or watch; returns false if the signal aborted while backing off. */
  async #recover(error: unknown, signal: AbortSignal): Promise<boolean> {
    const gone = isRuntimeError(error, 'Gone');
    const failures = ++this.#consecutiveFailures;
    if (gone) this.#resourceVersion = '';
    this.#logger.warn(
      {
        informer: this.#options.name,
        error: describeError(error),
        failures,
        relist: this.#resourceVersion === '',
      },
      gone ? 'watch expired (410), listing again' : 'list/watch failed, retrying',
    );
    // The first 410 in a row relists at once: it is routine (compaction), not a sign of trouble.
    if (gone && failures === 1) return true;
    return sleep({ clock: this.#options.clock, ms: this.#backoffMs(failures), signal });
  }

  #backoffMs(failures: number): number {
    const initialMs = this.#options.backoff?.initialMs ?? 800;
    const maxMs = this.#options.backoff?.maxMs ?? 30_000;
    const jitter = this.#options.backoff?.jitter ?? 0.5;
    const random = this.#options.random ?? Math.random;
    const base = Math.min(initialMs * 2 ** Math.min(failures - 1, 30), maxMs);
    return Math.min(base * (1 + jitter * random()), maxMs);
  }

  /** Applies one watch event; returns an error if the stream must be abandoned. */
  #apply(event: WatchEvent<T>): Error | undefined {
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.#upsert(event.object);
        break;
      case 'DELETED': {
        const previous = this.#store.delete(objectKey(event.object));
        if (previous) this.#emitDelete(event.object, false);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const status = event.object;
        if (status?.code === 410) return new GoneError(status.message ?? 'resource version expired');
        return new WatchFailedError(status?.message ?? 'watch error event', {
          data: { code: status?.code, reason: status?.reason },
        });
      }
      default:
        return new WatchFailedError('unknown watch event type', {
          data: { type: (event as { type?: unknown }).type },
        });
    }
    const version = event.object.metadata?.resourceVersion;
    if (version) this.#resourceVersion = version;
    return undefined;
  }

  #upsert(object: T): void {
    const previous = this.#store.set(object);
    if (!previous) {
      for (const handlers of this.#handlers) this.#call('onAdd', () => handlers.onAdd?.(object));
      return;
    }
    const unchanged =
      previous.metadata?.resourceVersion !== undefined &&
      previous.metadata.resourceVersion === object.metadata?.resourceVersion;
    if (unchanged) return;
    for (const handlers of this.#handlers)
      this.#call('onUpdate', () => handlers.onUpdate?.(previous, object));
  }

  /** Makes the cache equal to a fresh list, emitting events for every difference. */
  #replace(items: T[]): void {
    const listedKeys = new Set<string>();
    for (const item of items) {
      listedKeys.add(objectKey(item));
      this.#upsert(item);
    }
    for (const key of this.#store.keys()) {
      if (listedKeys.has(key)) continue;
      const previous = this.#store.delete(key);
      if (previous) this.#emitDelete(previous, true);
    }
  }

  #emitDelete(object: T, finalStateUnknown: boolean): void {
    for (const handlers of this.#handlers) {
      this.#call('onDelete', () => handlers.onDelete?.(object, { finalStateUnknown }));
    }
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const resolve of this.#syncWaiters.splice(0)) resolve();
  }

  /** A handler that throws must not stop the informer or starve the other handlers. */
  #call(what: string, handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.#logger.error(
        { informer: this.#options.name, handler: what, error: describeError(error) },
        'handler threw',
      );
    }
  }
}
