/**
 * The node agent: watches the ChaosInjections labelled with its node, applies and recovers them through the
 * fault primitives, enforces each deadline on its own (dead-man switch), recovers everything when the
 * controller's lease stands still past the grace, and sweeps tagged changes that no live injection owns, on
 * start and periodically. Stopping leaves injections in place: they carry deadlines, and a restarted agent
 * continues them.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { nodeLabelValue } from '../api/contract.ts';
import { createFaultRegistry, type FaultRegistry } from '../faults/registry.ts';
import type { TaggedChange } from '../faults/tagged.ts';
import { sweepUnowned } from '../faults/tagged.ts';
import { isKubeError } from '../kube/kube-errors.ts';
import { createKubeHttp, type KubeHttp } from '../kube/kube-http.ts';
import { leaseClientFromKube } from '../kube/kube-lease-client.ts';
import { kubeListWatch } from '../kube/list-watch.ts';
import { resources } from '../kube/paths.ts';
import { type Clock, sleep, systemClock } from '../runtime/clock.ts';
import { TerminalError } from '../runtime/errors.ts';
import type { Failpoint } from '../runtime/failpoints.ts';
import { ResilientInformer } from '../runtime/informer/resilient-informer.ts';
import type { LeaseClient } from '../runtime/lease-client.ts';
import { describeError, type RuntimeLogger, silentLogger } from '../runtime/logger.ts';
import { defaultControllerRateLimiter } from '../runtime/rate-limiter.ts';
import { WorkQueue } from '../runtime/work-queue.ts';
import { runWorkers } from '../runtime/workers.ts';
import { WrittenObjects } from '../runtime/written-objects.ts';
import { type AgentMetrics, createAgentMetrics } from './agent-metrics.ts';
import { ControllerLeaseWatch } from './controller-lease-watch.ts';
import { createInjectionApi, type InjectionApi } from './injection-api.ts';
import {
  type InjectionObject,
  injectionKey,
  NODE_LABEL,
  NODE_NAME_PATTERN,
  phaseOf,
} from './injection-object.ts';
import { createInjectionReconciler, type InjectionReconciler } from './injection-reconciler.ts';
import { DeadlineScheduler } from './node/deadline.ts';
import { createNodeChanges, type NodeChanges } from './node-changes.ts';
import type { TargetResolver } from './target-resolver.ts';

export interface InjectionAgentOptions {
  kubeConfig: KubeConfig;
  nodeName: string;
  resolver: TargetResolver;
  /** The controller's leader-election Lease; undefined disables the lease check. */
  controllerLease?: { namespace: string; name: string; graceMs: number; pollIntervalMs?: number };
  /** Default 60 s. */
  sweepIntervalMs?: number;
  /** Concurrent reconciles. Default `DEFAULT_AGENT_WORKERS`. */
  workers?: number;
  /**
   * Node changes at once, across different targets (changes to one target always run one at a time), so that
   * deadlines passing together are recovered together. Default `DEFAULT_NODE_CHANGE_LIMIT`.
   */
  nodeChangeLimit?: number;
  faults?: FaultRegistry;
  clock?: Clock;
  logger?: RuntimeLogger;
  metrics?: AgentMetrics;
  /** Test-only crash points (runtime/failpoints.ts): agent.before-inject, agent.after-inject. */
  failpoint?: Failpoint;
  /** Injected for tests; default from kubeConfig. */
  http?: KubeHttp;
  leaseClient?: LeaseClient;
}

/** client-node types metadata times as Date; the JSON holds strings, and the agent only reads their presence. */
type CachedInjection = InjectionObject & KubernetesObject;

/**
 * A node change is mostly waiting: an nftables table is deleted in about 20 ms, nearly all of it the kernel
 * waiting out an RCU grace period, and changes in different namespaces share those waits. 100 tables go in
 * about 2 s one at a time and 0.3 s all at once (docs/OPERATIONS.md), so the agent lets many run together;
 * the bound keeps a node with hundreds of targets from starting hundreds of processes at once.
 */
export const DEFAULT_NODE_CHANGE_LIMIT = 64;
/**
 * Reconciles wait on the API server and on node changes. Twice as many as node changes may run: a recovered
 * injection's writes wait for the changes under way (injection-reconciler.ts), and the reconciles holding
 * them must not keep the next recoveries from being picked up and queued for a change.
 */
export const DEFAULT_AGENT_WORKERS = 2 * DEFAULT_NODE_CHANGE_LIMIT;

export class InjectionAgent {
  readonly metrics: AgentMetrics;
  readonly informer: ResilientInformer<CachedInjection>;
  readonly queue: WorkQueue;
  readonly leaseWatch: ControllerLeaseWatch | undefined;
  readonly #options: InjectionAgentOptions & { clock: Clock; logger: RuntimeLogger };
  readonly #stop = new AbortController();
  readonly #deadlines: DeadlineScheduler;
  readonly #nodeChanges: NodeChanges;
  readonly #reconciler: InjectionReconciler;
  /** Our own last write per key, used while the informer still holds an older version. */
  readonly #written = new WrittenObjects<InjectionObject>();
  readonly #running: Promise<unknown>[] = [];
  #started = false;

  constructor(options: InjectionAgentOptions) {
    if (!NODE_NAME_PATTERN.test(options.nodeName))
      throw new RangeError('the node name must be a valid label value (1-63 chars, [A-Za-z0-9_.-])');
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    this.#options = { ...options, clock, logger };
    this.metrics = options.metrics ?? createAgentMetrics();
    this.#nodeChanges = createNodeChanges({ limit: options.nodeChangeLimit ?? DEFAULT_NODE_CHANGE_LIMIT });
    const http = options.http ?? createKubeHttp(options.kubeConfig, { fieldManager: 'chaoscraft-agent' });
    this.informer = new ResilientInformer<CachedInjection>({
      name: 'chaosinjections',
      clock,
      logger,
      listWatch: kubeListWatch<CachedInjection>({
        kubeConfig: options.kubeConfig,
        http,
        resource: resources.injections,
        labelSelector: `${NODE_LABEL}=${nodeLabelValue(options.nodeName)}`,
      }),
    });
    this.queue = new WorkQueue({
      clock,
      name: 'chaosinjections',
      // Capped back-off: a recovery that fails must be retried soon, not in a quarter of an hour.
      rateLimiter: defaultControllerRateLimiter({ clock, maxDelayMs: 30_000 }),
    });
    this.#deadlines = new DeadlineScheduler({
      clock,
      // The worker does the recovery, so a key is never handled by two parties at once.
      onDeadline: async (entry) => this.queue.add(entry.id),
    });
    const lease = options.controllerLease;
    this.leaseWatch = lease
      ? new ControllerLeaseWatch({
          client: options.leaseClient ?? leaseClientFromKube(options.kubeConfig),
          namespace: lease.namespace,
          name: lease.name,
          graceMs: lease.graceMs,
          pollIntervalMs: lease.pollIntervalMs,
          clock,
          logger,
          onLost: () => {
            this.metrics.controllerLost.set(1);
            this.#enqueueAll();
          },
          onRegained: () => this.metrics.controllerLost.set(0),
        })
      : undefined;
    this.#reconciler = createInjectionReconciler({
      nodeName: options.nodeName,
      api: this.#trackWrites(createInjectionApi({ http })),
      faults: options.faults ?? createFaultRegistry(),
      resolver: options.resolver,
      clock,
      logger,
      controllerLost: () => this.leaseWatch?.controllerLost() ?? false,
      deadlines: this.#deadlines,
      nodeChanges: this.#nodeChanges,
      failpoint: options.failpoint,
      metrics: this.metrics,
    });
    const enqueue = (injection: InjectionObject) => this.queue.add(injectionKey(injection));
    this.informer.addHandlers({
      onAdd: enqueue,
      onUpdate: (_previous, current) => enqueue(current),
      onDelete: enqueue,
    });
  }

  /** The informer has listed once. */
  ready(): boolean {
    return this.informer.hasSynced();
  }

  /** Starts watching; resolves once the first sweep ran and workers take keys. */
  async start(): Promise<void> {
    if (this.#started) throw new Error('InjectionAgent.start was already called');
    this.#started = true;
    const { logger, nodeName } = this.#options;
    const signal = this.#stop.signal;
    this.#running.push(this.informer.run({ signal }));
    if (!(await this.informer.waitForSync({ signal }))) return;
    logger.info({ node: nodeName, injections: this.informer.list().length }, 'injections listed');
    if (this.leaseWatch) {
      await this.leaseWatch.poll();
      this.#running.push(this.leaseWatch.run({ signal }));
    }
    await this.sweep();
    this.#running.push(
      runWorkers({
        queue: this.queue,
        workers: this.#options.workers ?? DEFAULT_AGENT_WORKERS,
        signal,
        logger,
        reconcile: (key) => this.#reconcileKey(key),
      }),
    );
    this.#running.push(this.#sweepLoop(signal));
  }

  /** Stops watching and working; in-flight reconciles finish. Injections stay as they are. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#deadlines.stop();
    await Promise.allSettled(this.#running);
    this.queue.shutDown();
  }

  /** Removes tagged changes that no live injection owns, in every scope the resolver lists. */
  async sweep(): Promise<TaggedChange[]> {
    const { logger, resolver } = this.#options;
    return this.#nodeChanges.exclusive(async () => {
      const liveTags = new Set<string>();
      for (const injection of this.informer.list()) {
        const phase = phaseOf(injection);
        if (phase === 'recovered' || phase === 'failed') continue;
        if (typeof injection.spec?.tag === 'string') liveTags.add(injection.spec.tag);
      }
      const removed: TaggedChange[] = [];
      let scopes: Awaited<ReturnType<TargetResolver['listScopes']>> = [];
      try {
        scopes = await resolver.listScopes();
      } catch (error) {
        logger.warn({ error: describeError(error) }, 'cannot list the node scopes to sweep');
      }
      for (const scope of scopes) {
        try {
          removed.push(...(await sweepUnowned({ ...scope, liveTags })));
        } catch (error) {
          logger.warn({ scope, error: describeError(error) }, 'sweep of a scope failed');
        }
      }
      for (const change of removed) logger.info({ change }, 'removed a change no live injection owns');
      this.metrics.swept.inc(removed.length);
      return removed;
    });
  }

  async #sweepLoop(signal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    const intervalMs = this.#options.sweepIntervalMs ?? 60_000;
    while (await sleep({ clock, ms: intervalMs, signal })) await this.sweep();
  }

  #enqueueAll(): void {
    for (const injection of this.informer.list()) this.queue.add(injectionKey(injection));
  }

  async #reconcileKey(key: string): Promise<void> {
    const cached = this.informer.getByKey(key);
    if (!cached) {
      this.#deadlines.cancel({ id: key });
      this.#written.forget(key);
      return;
    }
    try {
      // The cached object, or our own later write when the cache has not caught up with it yet.
      const injection = this.#written.resolve(key, cached) ?? cached;
      await this.#reconciler.reconcile({ injection });
    } catch (error) {
      // The API server refuses to store this object in any form (e.g. a spec that slipped past admission is
      // invalid now): retrying cannot help; the next change to the object brings it back.
      if (isKubeError(error, 'Invalid'))
        throw new TerminalError('the API server refuses writes to this injection', { cause: error });
      throw error;
    }
  }

  #trackWrites(api: InjectionApi): InjectionApi {
    const track = (before: InjectionObject, after: InjectionObject | undefined) => {
      const key = injectionKey(before);
      if (after) this.#written.remember(key, before.metadata.resourceVersion, after);
      else this.#written.forget(key);
      return after;
    };
    return {
      get: (options) => api.get(options),
      addFinalizer: async (options) => track(options.injection, await api.addFinalizer(options)),
      removeFinalizer: async (options) => track(options.injection, await api.removeFinalizer(options)),
      writeStatus: async (options) => track(options.injection, await api.writeStatus(options)),
    };
  }
}
