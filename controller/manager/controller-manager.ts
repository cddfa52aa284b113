// Wires the experiment controller: caches on every replica (a warm standby), workers only on
// the leader, health and metrics always. start() returns once everything runs; stop() stops
// taking work, lets in-flight reconciles finish, releases the lease.
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RunTimeouts } from '../core/experiment/agent-reports.ts';
import { runStateOf } from '../core/experiment/run-state.ts';
import { createFaultExecutor } from '../experiments/executor.ts';
import { createProbeRunner } from '../experiments/probe-runner.ts';
import { createExperimentReconciler } from '../experiments/reconciler.ts';
import { createEventRecorder } from '../kube/event-recorder.ts';
import { createExperimentWriter } from '../kube/experiment-api.ts';
import type { InjectionRecord } from '../kube/injection-summary.ts';
import { createInjectionClient } from '../kube/injections.ts';
import { createKubeHttp } from '../kube/kube-http.ts';
import { leaseClientFromKube } from '../kube/kube-lease-client.ts';
import { createObjectReader } from '../kube/object-reader.ts';
import type { Logger } from '../observability/logger.ts';
import { type ControllerMetrics, createControllerMetrics } from '../observability/metrics.ts';
import { GitPolicySource } from '../policy-sources/git-policy-source.ts';
import { createHttpProbeProvider } from '../probes/http-probe.ts';
import { createKubernetesProbeProvider } from '../probes/kubernetes-probe.ts';
import { createPrometheusProbeProvider } from '../probes/prometheus-probe.ts';
import type { Failpoint } from '../runtime/failpoints.ts';
import { type Clock, LeaderElector, runWorkers, systemClock, WorkQueue } from '../runtime/index.ts';
import { ClusterCaches } from './cluster-caches.ts';
import { type HealthServer, startHealthServer } from './health-server.ts';

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

export class ControllerManager {
  readonly metrics: ControllerMetrics;
  readonly caches: ClusterCaches;
  readonly queue: WorkQueue;
  readonly #options: ControllerManagerOptions;
  readonly #stop = new AbortController();
  #running: Promise<unknown>[] = [];
  #workers: Promise<void> | undefined;
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
    this.queue = new WorkQueue({
      clock,
      name: 'chaosexperiments',
      metrics: { depth: ({ depth }) => this.metrics.queueDepth.set({ queue: 'chaosexperiments' }, depth) },
    });
    const now = () => new Date(clock.now());
    const reconcile = createExperimentReconciler({
      getExperiment: (key) => this.caches.experiments.getByKey(key),
      view: this.caches,
      writer: createExperimentWriter(http),
      executor: createFaultExecutor({
        http,
        injections: createInjectionClient(http),
        podContainers: (namespace, name) => this.caches.pods.get({ namespace, name })?.containers ?? [],
        now,
      }),
      probes: createProbeRunner({
        providers: {
          http: createHttpProbeProvider(),
          prometheus: createPrometheusProbeProvider({ defaultAddress: options.prometheusUrl }),
          kubernetes: createKubernetesProbeProvider({ reader: createObjectReader(http) }),
        },
        now,
        metrics: this.metrics,
      }),
      events: createEventRecorder({
        http,
        component: 'chaoscraft-controller',
        onError: (error) => options.logger.warn({ err: String(error) }, 'could not record an event'),
      }),
      controllerNamespace: options.namespace,
      now,
      metrics: this.metrics,
      failpoint: options.failpoint,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    });
    this.reconcile = async (key: string, context?: { signal?: AbortSignal }) => {
      const end = this.metrics.reconcileDuration.startTimer({ controller: 'chaosexperiment' });
      try {
        return await reconcile(key, {
          key,
          requeues: this.queue.numRequeues(key),
          logger: options.logger.child({ experiment: key }),
          ...(context?.signal ? { signal: context.signal } : {}),
        });
      } catch (error) {
        this.metrics.reconcileErrors.inc({
          controller: 'chaosexperiment',
          code: (error as { code?: string }).code ?? 'Error',
        });
        throw error;
      } finally {
        end();
      }
    };
    const enqueue = (object: { metadata?: { namespace?: string; name?: string } }) =>
      this.queue.add(`${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`);
    // A run that finishes frees a slot under maxConcurrentExperiments: the runs waiting for one look again.
    const wakeWaiting = () => {
      for (const e of this.caches.waitingExperiments()) enqueue(e);
    };
    this.caches.experiments.addHandlers({
      onAdd: enqueue,
      onUpdate: (before, after) => {
        enqueue(after);
        if (runStateOf(before) === 'running' && runStateOf(after) !== 'running') wakeWaiting();
      },
      onDelete: (object) => {
        enqueue(object);
        if (runStateOf(object) === 'running') wakeWaiting();
      },
    });
    // An agent reporting on an injection wakes the experiment that owns it (its owner reference:
    // a label value could not hold every experiment name).
    const enqueueOwner = (injection: InjectionRecord) => {
      if (injection.owner) this.queue.add(`${injection.metadata.namespace ?? ''}/${injection.owner.name}`);
    };
    this.caches.injections.addHandlers({
      onAdd: enqueueOwner,
      onUpdate: (_before, after) => enqueueOwner(after),
      onDelete: enqueueOwner,
    });
    // Any change of the policies in force (a cluster policy added, changed or deleted, a new Git
    // set) is looked at by every experiment running or waiting: a suspension stops them at once.
    this.caches.onPoliciesChanged(() => {
      for (const e of this.caches.unfinishedExperiments()) enqueue(e);
    });
  }

  readonly reconcile: (key: string, context?: { signal?: AbortSignal }) => Promise<unknown>;

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
    this.#options.logger.info({}, 'leading: reconciling experiments');
    // Everything known is reconciled once on taking over: level-based, nothing is assumed.
    for (const e of this.caches.experiments.list())
      this.queue.add(`${e.metadata.namespace}/${e.metadata.name}`);
    this.#workers = runWorkers({
      queue: this.queue,
      workers: this.#options.workers ?? 4,
      reconcile: this.reconcile as never,
      signal,
      shutDownQueue: false,
      logger: this.#options.logger,
      onOutcome: (outcome) =>
        this.metrics.reconcileTotal.inc({ controller: 'chaosexperiment', result: outcome.kind }),
    });
  }

  /** Stop taking work, finish in-flight reconciles (bounded), release the lease, close servers. */
  async stop(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.#stop.abort();
    const drained = this.#workers ?? Promise.resolve();
    await Promise.race([
      drained,
      new Promise((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 30_000).unref()),
    ]);
    this.queue.shutDown();
    await Promise.allSettled(this.#running);
    await this.#health?.close();
  }
}
