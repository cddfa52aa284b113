/**
 * One controller, declared: what it reconciles (`for`), the children that wake their owner (`owns`),
 * anything else that should wake some keys (`watches`), and the reconcile function. The runtime owns
 * the rest, the same for every controller:
 * - a WorkQueue keyed `namespace/name` (objectKey), with `requeueAfter` and back-off (runWorkers);
 * - the enqueue wiring: every add, update and delete of a primary object queues its key; a child's
 *   change queues its owner's (an update only if it concerns the owner, when `owned` says which
 *   do); a watch queues what its map returns;
 * - the workers, run only while leading (ControllerManager), after queueing every primary object once
 *   (level-based: nothing is assumed on taking over);
 * - metrics labelled `controller=<name>` (reconciles by result, duration, errors by code) and the
 *   queue depth labelled `queue=<queue name>`;
 * - the written-object overlay (written-objects.ts): `context.get(key)` is our own last write while
 *   the cache still shows a version it replaced, and `context.written` remembers each write.
 *
 * The shape follows controller-runtime's builder (For, Owns, Watches, Complete) as one plain object;
 * the overlay comes with the reconcile context rather than through a client, since ours is the one
 * piece of read-your-writes state a reconciler needs. What the controller is (the definition) and
 * what it runs on (clock, logger, metrics: the second argument, from the manager) are kept apart,
 * so the same definition runs under a fake clock in a unit test.
 */
import type { Clock } from './clock.ts';
import { objectKey } from './informer/object-store.ts';
import type { InformerHandlers } from './informer/resilient-informer.ts';
import type { KubeObject } from './kube-object.ts';
import type { RuntimeLogger } from './logger.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { WorkQueue } from './work-queue.ts';
import { type ReconcileContext, type Result, runWorkers } from './workers.ts';
import { WrittenObjects } from './written-objects.ts';

/** Anything with informer handlers: a ResilientInformer, an InformerGroup. */
export interface Watchable<T extends KubeObject> {
  addHandlers(handlers: InformerHandlers<T>): unknown;
}

/** The primary objects' cache. */
export interface PrimarySource<T extends KubeObject> extends Watchable<T> {
  getByKey(key: string): T | undefined;
  list(): T[];
}

export type Change<T> =
  | { type: 'add'; object: T }
  | { type: 'update'; before: T; object: T }
  | { type: 'delete'; object: T };

/** Queues a key, or an object's key. */
export type Enqueue = (target: string | KubeObject) => void;

/** Subscribes to something and queues the keys it affects. */
export type ControllerWatch = (enqueue: Enqueue) => void;

/** Children (made by `owned`): a change of one queues its owner. */
export interface Owned {
  source: Watchable<KubeObject>;
  owner(child: KubeObject): string | undefined;
  concerns?(before: KubeObject, after: KubeObject): boolean;
}

/**
 * Children in `source` wake their owner: `owner(child)` names it in the child's namespace (read from
 * the owner reference; `controllerOwnerName(kind)` does that for objects that keep their metadata).
 * A child added or deleted always wakes it; an update only when `concerns(before, after)` says the
 * owner decides differently on it (every update when absent): a child that writes its status
 * several times on its way should not reconcile its owner each time for nothing. A child that
 * changes owner wakes both.
 */
export function owned<C extends KubeObject>(
  source: Watchable<C>,
  owner: (child: C) => string | undefined,
  options: { concerns?: (before: C, after: C) => boolean } = {},
): Owned {
  return { source, owner, ...options } as unknown as Owned;
}

export interface ControllerContext<T extends KubeObject> extends ReconcileContext {
  /** The freshest known state of a primary object: our own write until the cache shows it. */
  get(key: string): T | undefined;
  /** Remember each write here (`remember(key, replacedVersion, written)`), forget a released object. */
  written: WrittenObjects<T>;
}

export type ControllerReconciler<T extends KubeObject> = (
  key: string,
  context: ControllerContext<T>,
) => Promise<Result | undefined> | Promise<void>;

/** The prom-client metrics a controller reports to (observability/metrics.ts has them all). */
export interface ControllerRuntimeMetrics {
  reconcileTotal: { inc(labels: { controller: string; result: string }): void };
  reconcileDuration: { startTimer(labels: { controller: string }): () => unknown };
  reconcileErrors: { inc(labels: { controller: string; code: string }): void };
  queueDepth: { set(labels: { queue: string }, value: number): void };
}

export interface ControllerDefinition<T extends KubeObject> {
  /** The `controller` metrics label and the controller's name in logs. */
  name: string;
  /** The work queue's name in metrics and logs (default: `name`). */
  queue?: string;
  /** The log field that carries the key in a reconcile's logger (default `key`). */
  logKey?: string;
  for: PrimarySource<T>;
  owns?: Owned[];
  watches?: ControllerWatch[];
  reconcile: ControllerReconciler<T>;
  /** Workers for this controller; the manager's default when absent. */
  workers?: number;
  rateLimiter?: RateLimiter;
}

export interface ControllerDependencies {
  clock: Clock;
  /** Each reconcile logs through `child({ [logKey]: key })` when the logger has it (pino does). */
  logger: RuntimeLogger & { child?(bindings: object): RuntimeLogger };
  metrics?: ControllerRuntimeMetrics;
}

export interface Controller<T extends KubeObject = KubeObject> {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly written: WrittenObjects<T>;
  /** One reconcile of `key`, as a worker runs it (metrics included); tests call it directly. */
  reconcile(key: string, context?: { signal?: AbortSignal }): Promise<Result | undefined>;
  /** Queues every primary object, then runs the workers until `signal` aborts (the queue stays up). */
  run(options: { signal: AbortSignal; workers: number }): Promise<void>;
}

/** `owner` for children that carry a controller owner reference of `kind` in their metadata. */
export function controllerOwnerName(
  kind: string,
): (child: {
  metadata?: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
}) => string | undefined {
  return (child) => child.metadata?.ownerReferences?.find((o) => o.controller && o.kind === kind)?.name;
}

/** The UID in a controller owner reference of `kind`: an index of children by owner (the name may be reused). */
export function controllerOwnerUid(
  kind: string,
): (child: {
  metadata?: { ownerReferences?: { kind: string; uid: string; controller?: boolean }[] };
}) => string | undefined {
  return (child) => child.metadata?.ownerReferences?.find((o) => o.controller && o.kind === kind)?.uid;
}

/** A watch on informer changes: `map` says which keys (or objects) each change wakes. */
export function watchChanges<S extends KubeObject>(
  source: Watchable<S>,
  map: (change: Change<S>) => Iterable<string | KubeObject>,
): ControllerWatch {
  return (enqueue) => {
    const each = (change: Change<S>) => {
      for (const target of map(change)) enqueue(target);
    };
    source.addHandlers({
      onAdd: (object) => each({ type: 'add', object }),
      onUpdate: (before, object) => each({ type: 'update', before, object }),
      onDelete: (object) => each({ type: 'delete', object }),
    });
  };
}

export function defineController<T extends KubeObject>(
  definition: ControllerDefinition<T>,
  dependencies: ControllerDependencies,
): Controller<T> {
  const { name } = definition;
  const { metrics } = dependencies;
  const queueName = definition.queue ?? name;
  const queue = new WorkQueue({
    clock: dependencies.clock,
    name: queueName,
    ...(definition.rateLimiter ? { rateLimiter: definition.rateLimiter } : {}),
    ...(metrics
      ? { metrics: { depth: ({ depth }) => metrics.queueDepth.set({ queue: queueName }, depth) } }
      : {}),
  });
  const written = new WrittenObjects<T>();
  const get = (key: string) => written.resolve(key, definition.for.getByKey(key));
  const enqueue: Enqueue = (target) => queue.add(typeof target === 'string' ? target : objectKey(target));

  // The primary objects first, so a change queues its own key before any key a watch maps it to.
  definition.for.addHandlers({
    onAdd: enqueue,
    onUpdate: (_before, after) => enqueue(after),
    onDelete: enqueue,
  });
  for (const children of definition.owns ?? []) {
    const enqueueOwner = (child: KubeObject) => {
      const owner = children.owner(child);
      if (owner) enqueue(objectKey({ metadata: { namespace: child.metadata?.namespace, name: owner } }));
    };
    children.source.addHandlers({
      onAdd: enqueueOwner,
      onUpdate: (before, after) => {
        if (children.owner(before) !== children.owner(after)) {
          enqueueOwner(before);
          enqueueOwner(after);
        } else if (!children.concerns || children.concerns(before, after)) enqueueOwner(after);
      },
      onDelete: enqueueOwner,
    });
  }
  for (const watch of definition.watches ?? []) watch(enqueue);

  const logKey = definition.logKey ?? 'key';
  const reconcile = async (key: string, context: { signal?: AbortSignal } = {}) => {
    const end = metrics?.reconcileDuration.startTimer({ controller: name });
    try {
      return (await definition.reconcile(key, {
        key,
        requeues: queue.numRequeues(key),
        logger: dependencies.logger.child?.({ [logKey]: key }) ?? dependencies.logger,
        ...(context.signal ? { signal: context.signal } : {}),
        get,
        written,
      })) as Result | undefined;
    } catch (error) {
      metrics?.reconcileErrors.inc({ controller: name, code: (error as { code?: string }).code ?? 'Error' });
      throw error;
    } finally {
      end?.();
    }
  };

  return {
    name,
    queue,
    written,
    reconcile,
    run({ signal, workers }) {
      for (const object of definition.for.list()) enqueue(object);
      return runWorkers({
        queue,
        workers: definition.workers ?? workers,
        reconcile: (key, context) => reconcile(key, context),
        signal,
        shutDownQueue: false,
        logger: dependencies.logger,
        onOutcome: (outcome) => metrics?.reconcileTotal.inc({ controller: name, result: outcome.kind }),
      });
    },
  };
}
