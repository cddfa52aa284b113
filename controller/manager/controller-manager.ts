// Runs the controllers (runtime/controller.ts) under one leader election: caches on every replica
// (a warm standby), every controller's workers only on the leader, health and metrics always.
// start() returns once everything runs; stop() stops taking work, lets in-flight reconciles
// finish, releases the lease.
//
// Adding a controller (docs/ARCHITECTURE.md, "Controller runtime"):
// 1. its informers in ClusterCaches, so they run and sync on every replica before anyone leads;
// 2. a function like experimentController (experiment-controller.ts) that takes the ControllerWiring
//    and returns its ControllerDefinition (name, for, owns, watches, reconcile);
// 3. one line in `definitions` in the constructor below. Queue, workers, metrics labelled
//    controller=<name>, the enqueue wiring and the written-object overlay come with defineController.
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RunTimeouts } from '../core/experiment/agent-reports.ts';
import { createKubeHttp, type KubeHttp } from '../kube/kube-http.ts';
import { leaseClientFromKube } from '../kube/kube-lease-client.ts';
import type { Logger } from '../observability/logger.ts';
import { type ControllerMetrics, createControllerMetrics } from '../observability/metrics.ts';
import { GitPolicySource } from '../policy-sources/git-policy-source.ts';
import { type Controller, defineController } from '../runtime/controller.ts';
import type { Failpoint } from '../runtime/failpoints.ts';
import { type Clock, LeaderElector, systemClock } from '../runtime/index.ts';
import { ClusterCaches } from './cluster-caches.ts';
import { experimentController } from './experiment-controller.ts';
import { type HealthServer, startHealthServer } from './health-server.ts';
import { scheduleController } from './schedule-controller.ts';

export interface ControllerManagerOptions {
  kubeConfig: KubeConfig;
  /** The controller's own namespace: protected from experiments, home of the lease. */
  namespace: string;
  logger: Logger;
  workers?: number;
  leaderElection?: {
    enabled: boolean;
    leaseName?: string;
    identity?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** host:port for /healthz, /readyz, /metrics; undefined for none. */
  healthAddress?: string;
  prometheusUrl?: string;
  clock?: Clock;
  /** Reconcile experiments only in these namespaces (namespaced RBAC suffices for them); all if empty. */
  watchNamespaces?: string[];
  /** Test-only crash points (runtime/failpoints.ts). */
  failpoint?: Failpoint;
  /** How long node agents have to answer, and recovery to be confirmed before Stalled (core's defaults when absent). */
  timeouts?: RunTimeouts;
  /** ChaosPolicies also read from a Git branch (the kill switch from Git, docs/SAFETY.md). */
  policyRepository?: PolicyRepositoryOptions;
  /**
   * Where Argo CD Applications live: read (never written) to record the commit each run's spec came
   * from (docs/GITOPS.md). Unset: only a revision stamped into the manifest is recorded.
   */
  argocdNamespace?: string;
}

export interface PolicyRepositoryOptions {
  url: string;
  branch?: string;
  /** Folder in the repository; all of it when empty. */
  path?: string;
  pollIntervalMs?: number;
  fetchTimeoutMs?: number;
  /** Read before every poll (a mounted Secret may rotate); never logged. */
  token?: () => Promise<string | undefined>;
  /** Parent folder of the shallow clone; the OS temp folder by default. */
  workDir?: string;
}

/** What a controller's definition is made from: the manager's options, the shared caches and clients. */
export interface ControllerWiring {
  options: ControllerManagerOptions;
  caches: ClusterCaches;
  http: KubeHttp;
  clock: Clock;
  metrics: ControllerMetrics;
}

export class ControllerManager {
  readonly metrics: ControllerMetrics;
  readonly caches: ClusterCaches;
  /** Every controller this manager runs, all under the one leader election. */
  readonly controllers: readonly Controller[];
  readonly #options: ControllerManagerOptions;
  readonly #stop = new AbortController();
  #running: Promise<unknown>[] = [];
  #workers: Promise<unknown> | undefined;
  #health: HealthServer | undefined;
  #leading = false;

  constructor(options: ControllerManagerOptions) {
    this.#options = options;
    const clock = options.clock ?? systemClock;
    this.metrics = createControllerMetrics();
    const http = createKubeHttp(options.kubeConfig, { fieldManager: 'chaoscraft-controller' });
    const git = options.policyRepository;
    this.caches = new ClusterCaches({
      kubeConfig: options.kubeConfig,
      http,
      clock,
      logger: options.logger,
      namespaces: options.watchNamespaces,
      argocdNamespace: options.argocdNamespace,
      policySources: git
        ? [
            new GitPolicySource({
              ...git,
              clock,
              logger: options.logger.child({ policySource: 'git' }),
              metrics: this.metrics,
            }),
          ]
        : [],
    });
    const wiring: ControllerWiring = { options, caches: this.caches, http, clock, metrics: this.metrics };
    const runtime = { clock, logger: options.logger, metrics: this.metrics };
    this.controllers = [
      defineController(experimentController(wiring), runtime),
      defineController(scheduleController(wiring), runtime),
    ];
  }

  /** The controller of that name (its queue, its overlay, one reconcile), for tests and tools. */
  controller(name: string): Controller | undefined {
    return this.controllers.find((c) => c.name === name);
  }

  ready(): boolean {
    return this.caches.hasSynced();
  }

  isLeader(): boolean {
    return this.#leading;
  }

  async start(): Promise<void> {
    const { logger } = this.#options;
    const signal = this.#stop.signal;
    if (this.#options.healthAddress !== undefined) {
      this.#health = await startHealthServer({
        address: this.#options.healthAddress,
        ready: () => this.ready(),
        registry: this.metrics.registry,
      });
      logger.info({ url: this.#health.url }, 'health and metrics server listening');
    }
    for (const informer of this.caches.all()) this.#running.push(informer.run({ signal }));
    await Promise.all(this.caches.all().map((i) => i.waitForSync({ signal })));
    logger.info({}, 'caches synced');
    const election = this.#options.leaderElection;
    if (!election?.enabled) {
      this.#lead(signal);
      return;
    }
    const clock = this.#options.clock ?? systemClock;
    const elector = new LeaderElector({
      client: leaseClientFromKube(this.#options.kubeConfig),
      namespace: this.#options.namespace,
      name: election.leaseName ?? 'chaoscraft-controller',
      identity: election.identity ?? `${hostname()}-${process.pid}`,
      clock,
      leaseDurationMs: election.leaseDurationMs,
      renewDeadlineMs: election.renewDeadlineMs,
      retryPeriodMs: election.retryPeriodMs,
      logger,
      callbacks: {
        onStartedLeading: (leading) => this.#lead(leading),
        onStoppedLeading: () => {
          this.#leading = false;
          this.metrics.isLeader.set(0);
          logger.warn({}, 'leadership lost or released; stopped reconciling');
        },
        onNewLeader: (identity) => logger.info({ leader: identity }, 'leader observed'),
      },
    });
    this.#running.push(elector.run({ signal }));
  }

  #lead(signal: AbortSignal): void {
    this.#leading = true;
    this.metrics.isLeader.set(1);
    const names = this.controllers.map((c) => c.name);
    this.#options.logger.info({ controllers: names }, 'leading: reconciling');
    // Each controller queues everything it knows on taking over (level-based: nothing is assumed),
    // then its workers run until leadership ends.
    const workers = this.#options.workers ?? 4;
    this.#workers = Promise.all(this.controllers.map((c) => c.run({ signal, workers })));
  }

  /** Stop taking work, finish in-flight reconciles (bounded), release the lease, close servers. */
  async stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.#stop.abort();
    const drained = this.#workers ?? Promise.resolve();
    await Promise.race([
      drained,
      new Promise((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 30_000).unref()),
    ]);
    for (const controller of this.controllers) controller.queue.shutDown();
    await Promise.allSettled(this.#running);
    await this.#health?.close();
  }
}
