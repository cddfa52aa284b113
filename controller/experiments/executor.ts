// Performs a plan's fault actions. Pod faults go through the API here; node faults (network,
// stress, process) are handed to the agent on the target's node as ChaosInjections, and count
// as injected or recovered only once that agent says so.
import { isPodFaultKind } from '../api/contract.ts';
import type { Fault, TargetRecord } from '../api/types.generated.ts';
import { findCondition } from '../core/conditions.ts';
import { parseDuration } from '../core/duration.ts';
import { faultKind } from '../core/experiment/faults.ts';
import type { ObservedExperiment, Outcome } from '../core/experiment/types.ts';
import { recordKey } from '../core/experiment/types.ts';
import { type InjectionClient, injectionName, injectionObject } from '../kube/injections.ts';
import { KubeApiError } from '../kube/kube-errors.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import { killPod } from '../kube/pod-kill.ts';

type Experiment = ObservedExperiment['experiment'];

export interface FaultAction {
  experiment: Experiment;
  record: TargetRecord;
  fault: Fault;
  signal?: AbortSignal;
}

export interface FaultExecutor {
  inject(action: FaultAction): Promise<Outcome>;
  recover(action: FaultAction): Promise<Outcome>;
}

/** How long after the planned end the agent recovers on its own if nobody asks it to. */
export const deadlineGraceMs = 30_000;

export function createFaultExecutor(options: {
  http: KubeHttp;
  injections: InjectionClient;
  /** Container IDs of a pod as the informer cache knows them, by container name. */
  podContainers(namespace: string, name: string): { name: string; id?: string }[];
  now: () => Date;
}): FaultExecutor {
  const { http, injections, now } = options;
  const ok = (type: 'inject' | 'recover', record: TargetRecord, at = now()): Outcome => ({
    type,
    recordKey: recordKey(record),
    ok: true,
    at,
  });
  const notYet = (type: 'inject' | 'recover', record: TargetRecord, message: string): Outcome => ({
    type,
    recordKey: recordKey(record),
    ok: false,
    at: now(),
    message,
    retryable: false,
    pending: true,
  });
  const failed = (type: 'inject' | 'recover', record: TargetRecord, error: unknown): Outcome => ({
    type,
    recordKey: recordKey(record),
    ok: false,
    at: now(),
    message: error instanceof Error ? error.message : String(error),
    // API trouble is worth another try; anything else (a refused request, a bug) is not.
    retryable: error instanceof KubeApiError ? error.transient : false,
  });
  const refused = (type: 'inject' | 'recover', record: TargetRecord, message: string): Outcome => ({
    type,
    recordKey: recordKey(record),
    ok: false,
    at: now(),
    message,
    retryable: false,
  });

  async function injectOnNode({ experiment, record, fault }: FaultAction): Promise<Outcome> {
    if (!record.node) throw new Error(`${record.namespace}/${record.name} is not scheduled on a node`);
    const namespace = experiment.metadata.namespace ?? 'default';
    const key = recordKey(record);
    let injection = await injections.get(namespace, injectionName(experiment.metadata.name, key));
    if (!injection) {
      const wanted = experiment.spec.selector.containerNames;
      const containerIDs = options
        .podContainers(record.namespace ?? namespace, record.name)
        .filter((c) => c.id && (!wanted?.length || wanted.includes(c.name)))
        .map((c) => c.id!);
      injection = await injections.create(
        injectionObject({
          experiment: { namespace, name: experiment.metadata.name, uid: experiment.metadata.uid },
          record,
          recordKey: key,
          fault,
          containerIDs,
          deadline: new Date(now().getTime() + parseDuration(experiment.spec.duration) + deadlineGraceMs),
        }),
      );
    }
    const injected = findCondition(injection.status?.conditions, 'Injected');
    if (injected?.status === 'True')
      return ok('inject', record, new Date(injection.status?.injectedAt ?? now()));
    if (injected?.status === 'False') {
      return refused('inject', record, `${injected.reason}: ${injected.message}`);
    }
    return notYet('inject', record, `waiting for the agent on node ${record.node}`);
  }

  async function recoverOnNode({ experiment, record }: FaultAction): Promise<Outcome> {
    const namespace = experiment.metadata.namespace ?? 'default';
    const name = injectionName(experiment.metadata.name, recordKey(record));
    const injection = await injections.get(namespace, name);
    if (!injection) return ok('recover', record);
    if (findCondition(injection.status?.conditions, 'Recovered')?.status === 'True') {
      return ok('recover', record, new Date(injection.status?.recoveredAt ?? now()));
    }
    if (!(injection.metadata as { deletionTimestamp?: string }).deletionTimestamp)
      await injections.delete(namespace, name);
    return notYet('recover', record, `waiting for the agent on node ${record.node} to recover`);
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
          return ok('inject', record);
        }
        if (isPodFaultKind(kind)) {
          return refused('inject', record, `${kind} is not supported by this controller yet`);
        }
        return await injectOnNode(action);
      } catch (error) {
        return failed('inject', record, error);
      }
    },
    async recover(action) {
      const kind = action.record.faultKind ?? faultKind(action.fault);
      try {
        // A killed pod is replaced by its owner; there is nothing to undo.
        if (isPodFaultKind(kind)) return ok('recover', action.record);
        return await recoverOnNode(action);
      } catch (error) {
        return failed('recover', action.record, error);
      }
    },
  };
}
