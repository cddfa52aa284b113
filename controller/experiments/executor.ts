// Performs a plan's fault actions against the cluster. Pod faults go through the API here; node
// faults (network, stress, process) are carried out by the node agent through ChaosInjection
// objects, which this controller does not create yet (see docs/ARCHITECTURE.md).
import type { Fault, TargetRecord } from '../api/types.generated.ts';
import { faultKind } from '../core/experiment/faults.ts';
import type { Outcome } from '../core/experiment/types.ts';
import { recordKey } from '../core/experiment/types.ts';
import { KubeApiError } from '../kube/kube-errors.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import { killPod } from '../kube/pod-kill.ts';

export interface FaultExecutor {
  inject(options: { record: TargetRecord; fault: Fault; signal?: AbortSignal }): Promise<Outcome>;
  recover(options: { record: TargetRecord; fault: Fault; signal?: AbortSignal }): Promise<Outcome>;
}

export function createFaultExecutor(options: { http: KubeHttp; now: () => Date }): FaultExecutor {
  const { http, now } = options;
  const failed = (type: 'inject' | 'recover', record: TargetRecord, error: unknown): Outcome => ({
    type,
    recordKey: recordKey(record),
    ok: false,
    at: now(),
    message: error instanceof Error ? error.message : String(error),
    // API trouble is worth another try; anything else (a refused request, a bug) is not.
    retryable: error instanceof KubeApiError ? error.transient : false,
  });
  return {
    async inject({ record, fault, signal }) {
      const kind = faultKind(fault);
      try {
        if (kind === 'podKill') {
          if (!record.namespace || !record.uid) throw new Error('a pod target needs a namespace and a UID');
          await killPod({
            http,
            pod: { namespace: record.namespace, name: record.name, uid: record.uid },
            fault: fault.podKill!,
            signal,
          });
          return { type: 'inject', recordKey: recordKey(record), ok: true, at: now() };
        }
        return {
          type: 'inject',
          recordKey: recordKey(record),
          ok: false,
          at: now(),
          retryable: false,
          message: `${kind} is not supported by this controller yet (node faults need the node agent)`,
        };
      } catch (error) {
        return failed('inject', record, error);
      }
    },
    async recover({ record }) {
      // A killed pod is replaced by its owner; there is nothing to undo. Faults that were never
      // applied need no recovery either, which keeps recovery idempotent.
      return { type: 'recover', recordKey: recordKey(record), ok: true, at: now() };
    },
  };
}
