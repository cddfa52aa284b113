// The informers the controllers read from, and the views over them: the experiment controller's
// ClusterView and the schedule controller's ScheduleView.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { ChaosPolicySpec } from '../api/types.generated.ts';
import type { InjectionObservation } from '../core/experiment/agent-reports.ts';
import { runStateOf } from '../core/experiment/run-state.ts';
import type { ObservedExperiment } from '../core/experiment/types.ts';
import { workloadKey } from '../core/pod-candidates.ts';
import type { ObservedRun, ScheduleObject } from '../core/schedule/types.ts';
import { type ClusterView, observeRevision } from '../experiments/observe.ts';
import { type InjectionRecord, summarizeInjection } from '../kube/injection-summary.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import { kubeListWatch } from '../kube/list-watch.ts';
import { type ResourceRef, resources } from '../kube/paths.ts';
import { type PodRecord, summarizePod } from '../kube/pod-summary.ts';
import type { PolicySource } from '../policy-sources/policy-source.ts';
import {
  type Clock,
  controllerOwnerUid,
  InformerGroup,
  ResilientInformer,
  type RuntimeLogger,
} from '../runtime/index.ts';
import type { ScheduleView } from '../schedules/reconciler.ts';
import {
  type ApplicationRecord,
  applicationsResource,
  keepSyncRecords,
  RevisionMemo,
} from './argocd-applications.ts';

/** An experiment as the cache holds it. */
export type CachedExperiment = ObservedExperiment['experiment'] & KubernetesObject;
type Experiment = CachedExperiment;
/** A schedule as the cache holds it. */
export type CachedSchedule = ScheduleObject & KubernetesObject;
/** A run's controller owner reference to its schedule. */
const scheduleOwnerUid = controllerOwnerUid('ChaosSchedule');
type Labelled = KubernetesObject & { metadata?: { labels?: Record<string, string> } };
type Policy = KubernetesObject & { spec?: ChaosPolicySpec };

/** Only labels are kept of namespaces and nodes. */
function keepLabels(object: KubernetesObject): Labelled {
  return {
    metadata: {
      name: object.metadata?.name,
      resourceVersion: object.metadata?.resourceVersion,
      labels: object.metadata?.labels ?? {},
    },
  };
}

export interface ClusterCachesOptions {
  kubeConfig: KubeConfig;
  http: KubeHttp;
  clock: Clock;
  logger: RuntimeLogger;
  /** Watch experiments, pods and injections only here (one informer each); all namespaces if empty. */
  namespaces?: string[];
  /** Policies from elsewhere (Git): applied together with the cluster's; the strictest wins. */
  policySources?: PolicySource[];
  /** Read Argo CD Applications here (read-only) to tell which sync applied each experiment; off if unset. */
  argocdNamespace?: string;
}

export class ClusterCaches implements ClusterView, ScheduleView {
  readonly experiments: InformerGroup<Experiment>;
  readonly schedules: InformerGroup<CachedSchedule>;
  readonly pods: InformerGroup<PodRecord>;
  readonly namespaces: ResilientInformer<Labelled>;
  readonly nodes: ResilientInformer<Labelled>;
  readonly policyInformer: ResilientInformer<Policy>;
  /** Who owns each injection and what its agent reported: the lifecycle's view of its children. */
  readonly injections: InformerGroup<InjectionRecord>;
  readonly policySources: readonly PolicySource[];
  /** Argo CD Applications (their sync records only), with --argocd-namespace. */
  readonly applications: ResilientInformer<ApplicationRecord> | undefined;
  readonly #revisions = new RevisionMemo();
  readonly #argocdNamespace: string | undefined;

  constructor(options: ClusterCachesOptions) {
    this.policySources = options.policySources ?? [];
    this.#argocdNamespace = options.argocdNamespace;
    const common = { kubeConfig: options.kubeConfig, http: options.http };
    const informer = <T extends KubernetesObject>(
      name: string,
      listWatch: ReturnType<typeof kubeListWatch<T>>,
      indexers = {},
    ) =>
      new ResilientInformer<T>({ listWatch, clock: options.clock, logger: options.logger, name, indexers });
    const scoped = options.namespaces?.length ? options.namespaces : undefined;
    /** One informer per watched namespace, or one for the whole cluster. */
    const namespaced = <T extends KubernetesObject>(
      name: string,
      resource: Omit<ResourceRef, 'name' | 'subresource' | 'namespace'>,
      extra: {
        transform?: (object: KubernetesObject) => T;
        indexers?: Record<string, (object: T) => string[]>;
      } = {},
    ) =>
      new InformerGroup<T>(
        (scoped ?? [undefined]).map((namespace) =>
          informer<T>(
            namespace ? `${name}/${namespace}` : name,
            kubeListWatch<T>({ ...common, resource: { ...resource, namespace }, transform: extra.transform }),
            extra.indexers,
          ),
        ),
        scoped,
      );
    this.experiments = namespaced<Experiment>('chaosexperiments', resources.experiments, {
      indexers: {
        // Runs admitted and not finished, for maxConcurrentExperiments without a scan.
        active: (experiment: Experiment) => (runStateOf(experiment) === 'running' ? ['yes'] : []),
        // Runs held back by a temporary guardrail, woken when another run finishes.
        waiting: (experiment: Experiment) => (runStateOf(experiment) === 'waiting' ? ['yes'] : []),
        // The runs a schedule owns, by the schedule's UID (its controller owner reference).
        schedule: (experiment: Experiment) => {
          const uid = scheduleOwnerUid(experiment);
          return uid ? [uid] : [];
        },
      },
    });
    this.schedules = namespaced<CachedSchedule>('chaosschedules', resources.schedules);
    this.schedules.addHandlers({
      onAdd: (schedule) => this.scheduleRevision(schedule),
      onUpdate: (_before, schedule) => this.scheduleRevision(schedule),
      onDelete: (schedule) => this.#revisions.forget(schedule.metadata?.uid),
    });
    // A generation's revision is looked up when it arrives, before a later sync can restamp it.
    this.experiments.addHandlers({
      onAdd: (experiment) => this.experimentRevision(experiment),
      onUpdate: (_before, experiment) => this.experimentRevision(experiment),
      onDelete: (experiment) => this.#revisions.forget(experiment.metadata?.uid),
    });
    this.applications = options.argocdNamespace
      ? informer<ApplicationRecord>(
          'applications',
          kubeListWatch({
            ...common,
            resource: { ...applicationsResource, namespace: options.argocdNamespace },
            transform: keepSyncRecords,
          }),
        )
      : undefined;
    this.pods = namespaced<PodRecord>('pods', resources.pods, {
      transform: (pod) => summarizePod(pod as Parameters<typeof summarizePod>[0]),
      indexers: { workload: (pod: PodRecord) => (pod.owner ? [workloadKey(pod.namespace, pod.owner)] : []) },
    });
    this.namespaces = informer<Labelled>(
      'namespaces',
      kubeListWatch({ ...common, resource: resources.namespaces, transform: keepLabels }),
    );
    this.nodes = informer<Labelled>(
      'nodes',
      kubeListWatch({ ...common, resource: resources.nodes, transform: keepLabels }),
    );
    this.policyInformer = informer<Policy>(
      'chaospolicies',
      kubeListWatch({ ...common, resource: resources.policies }),
    );
    this.injections = namespaced<InjectionRecord>('chaosinjections', resources.injections, {
      transform: (o) => summarizeInjection(o as Parameters<typeof summarizeInjection>[0]),
      indexers: { owner: (injection: InjectionRecord) => (injection.owner ? [injection.owner.uid] : []) },
    });
  }

  /** Everything that must run and sync before the controller acts. */
  all(): {
    run(options: { signal: AbortSignal }): Promise<unknown>;
    waitForSync(o: { signal?: AbortSignal }): Promise<boolean>;
    hasSynced(): boolean;
  }[] {
    return [
      this.experiments,
      this.schedules,
      this.pods,
      this.namespaces,
      this.nodes,
      this.policyInformer,
      this.injections,
      ...(this.applications ? [this.applications] : []),
      ...this.policySources,
    ];
  }

  hasSynced(): boolean {
    return this.all().every((i) => i.hasSynced());
  }

  podsInNamespace(namespace: string): Iterable<PodRecord> {
    return this.pods.list({ namespace });
  }

  namespaceLabels(name: string): Record<string, string> | undefined {
    return this.namespaces.get({ name })?.metadata?.labels;
  }

  nodeLabels(): ReadonlyMap<string, Record<string, string>> {
    return new Map(this.nodes.list().map((n) => [n.metadata?.name ?? '', n.metadata?.labels ?? {}]));
  }

  /** The cluster's ChaosPolicies and every source's (named e.g. `git:<name>`): all of them apply. */
  policies(): { name: string; spec: ChaosPolicySpec }[] {
    const cluster = this.policyInformer
      .list()
      .map((p) => ({ name: p.metadata?.name ?? '', spec: p.spec ?? {} }));
    return [...cluster, ...this.policySources.flatMap((source) => source.policies())];
  }

  /** One sentence per policy source problem (unreachable, refused commit); empty when all is well. */
  policySourceProblems(): string[] {
    return this.policySources.flatMap((source) => source.problems());
  }

  /** Calls `listener` when the policies in force may have changed: a cluster policy or a source's set. */
  onPoliciesChanged(listener: () => void): void {
    this.policyInformer.addHandlers({ onAdd: listener, onUpdate: listener, onDelete: listener });
    for (const source of this.policySources) source.onChange(listener);
  }

  /** Experiments whose Succeeded condition is Unknown: running, or waiting to run. */
  unfinishedExperiments(): Experiment[] {
    return this.experiments
      .list()
      .filter((e) => e.status?.conditions?.find((c) => c.type === 'Succeeded')?.status === 'Unknown');
  }

  /** The ChaosExperiments a schedule created and still owns, including those being deleted. */
  runsOwnedBy(scheduleUid: string): ObservedRun[] {
    return this.experiments.byIndex('schedule', scheduleUid) as ObservedRun[];
  }

  /** The revision of the schedule's current spec: a stamped annotation, else the Argo CD sync that applied it. */
  scheduleRevision(schedule: ScheduleObject): string | undefined {
    return this.experimentRevision(schedule as unknown as ObservedExperiment['experiment']);
  }

  injectionsOwnedBy(experimentUid: string): Map<string, InjectionObservation> {
    return new Map(this.injections.byIndex('owner', experimentUid).map((i) => [i.metadata.name ?? '', i]));
  }

  waitingExperiments(): Experiment[] {
    return this.experiments.byIndex('waiting', 'yes');
  }

  activeExperimentKeys(): string[] {
    return this.experiments.byIndex('active', 'yes').map((e) => `${e.metadata.namespace}/${e.metadata.name}`);
  }

  /** The revision this generation came from (revision.ts): a stamped annotation, else the Argo CD sync that applied it. */
  experimentRevision(experiment: ObservedExperiment['experiment']): string | undefined {
    return this.#revisions.revision(experiment, () =>
      observeRevision(experiment, (ref) =>
        // Only the configured namespace is watched; an Application elsewhere is not known.
        this.applications?.get({ namespace: ref.namespace ?? this.#argocdNamespace ?? '', name: ref.name }),
      ),
    );
  }

  workloadSize(workload: string): number {
    return this.pods.byIndex('workload', workload).filter((p) => !p.terminating).length;
  }
}
