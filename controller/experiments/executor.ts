// Performs a plan's fault actions, and only that: pod faults through the API; node faults (network,
// stress, process) handed to the agent on the target's node as ChaosInjections, created and
// deleted here and never polled. What the agents report reaches the lifecycle through the cache.
import { injectionName, isPodFaultKind } from '../api/contract.ts';
import type { Fault, TargetRecord } from '../api/types.generated.ts';
import { faultKind } from '../core/experiment/faults.ts';
import type { ObservedExperiment, Outcome } from '../core/experiment/types.ts';
import { recordKey } from '../core/experiment/types.ts';
import { type InjectionClient, injectionObject } from '../kube/injections.ts';
import { KubeApiError } from '../kube/kube-errors.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import { killPod } from '../kube/pod-kill.ts';

type Experiment = ObservedExperiment['experiment'];

export interface FaultAction {
  experiment: Experiment;
  record: TargetRecord;
  fault: Fault;
  /** For node faults: when the agent recovers on its own (computed by the lifecycle). */
  deadline?: Date;
  signal?: AbortSignal;
}

export interface FaultExecutor {
  inject(action: FaultAction): Promise<Outcome>;
  recover(action: FaultAction): Promise<Outcome>;
}

export function createFaultExecutor(options: {
  http: KubeHttp;
  injections: InjectionClient;
  /** Container IDs of a pod as the informer cache knows them, by container name. */
  podContainers(namespace: string, name: string): { name: string; id?: string }[];
  now: () => Date;
}): FaultExecutor {
  const { http, injections, now } = options;
  const failed = (type: 'inject' | 'recover', record: TargetRecord, error: unknown): Outcome => ({
    type,
    recordKey: recordKey(record),
    ok: false,
    at: now(),
    message: error instanceof Error ? error.message : String(error),
    // API trouble is worth another try; anything else (a refused request, a bug) is not.
    retryable: error instanceof KubeApiError ? error.transient : false,
  });

  /** Creates the ChaosInjection (an existing one, from a run that crashed, is the same object). */
  async function handOver({ experiment, record, fault, deadline }: FaultAction): Promise<Outcome> {
    if (!record.node) throw new Error(`${record.namespace}/${record.name} is not scheduled on a node`);
    if (!deadline) throw new Error('a node fault needs its deadline');
    const namespace = experiment.metadata.namespace ?? 'default';
    const key = recordKey(record);
    const wanted = experiment.spec.selector.containerNames;
    const containerIDs = options
      .podContainers(record.namespace ?? namespace, record.name)
      .filter((c) => c.id && (!wanted?.length || wanted.includes(c.name)))
      .map((c) => c.id!);
    const created = await injections.create(
      injectionObject({
        experiment: { namespace, name: experiment.metadata.name, uid: experiment.metadata.uid },
        record,
        recordKey: key,
        fault,
        containerIDs,
        deadline,
      }),
    );
    return { type: 'inject', recordKey: key, ok: true, at: now(), handedOver: created.metadata.name! };
  }

  /** Asks for the ChaosInjection's removal; gone only when the API server no longer has it. */
  async function withdraw({ experiment, record }: FaultAction): Promise<Outcome> {
    const namespace = experiment.metadata.namespace ?? 'default';
    const name = record.injection ?? injectionName(experiment.metadata.name, recordKey(record));
    const gone = await injections.delete(namespace, name);
    return { type: 'recover', recordKey: recordKey(record), ok: true, at: now(), gone };
  }

  return {
    async inject(action) {
      const { record, fault } = action;
      const kind = faultKind(fault);
      try {
        if (kind === 'podKill') {
          if (!record.namespace || !record.uid) throw new Error('a pod target needs a namespace and a UID');
          await killPod({
            http,
            pod: { namespace: record.namespace, name: record.name, uid: record.uid },
            fault: fault.podKill!,
            signal: action.signal,
          });
          return { type: 'inject', recordKey: recordKey(record), ok: true, at: now() };
        }
        // Admission refuses pod fault kinds no one carries out; this is the last line.
        if (isPodFaultKind(kind)) throw new Error(`${kind} is not supported by this controller yet`);
        return await handOver(action);
      } catch (error) {
        return failed('inject', record, error);
      }
    },
    async recover(action) {
      const kind = action.record.faultKind ?? faultKind(action.fault);
      try {
        // A killed pod is replaced by its owner; there is nothing to undo.
        if (isPodFaultKind(kind))
          return { type: 'recover', recordKey: recordKey(action.record), ok: true, at: now(), gone: true };
        return await withdraw(action);
      } catch (error) {
        return failed('recover', action.record, error);
      }
    },
  };
}
