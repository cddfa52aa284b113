// ChaosInjections as the controller keeps them: who owns each one and what its agent reported,
// nothing else. The lifecycle reads these instead of asking the API server about each injection.
import type { InjectionObservation } from '../core/experiment/agent-reports.ts';

interface RawInjection {
  metadata?: {
    namespace?: string;
    name?: string;
    resourceVersion?: string;
    deletionTimestamp?: string | Date;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  status?: {
    conditions?: { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string }[];
    injectedAt?: string;
    recoveredAt?: string;
  };
}

export interface InjectionRecord extends InjectionObservation {
  metadata: { namespace?: string; name?: string; resourceVersion?: string };
  /** The experiment that owns it (its controller owner reference). */
  owner?: { name: string; uid: string };
}

export function summarizeInjection(injection: RawInjection): InjectionRecord {
  const metadata = injection.metadata ?? {};
  const owner = metadata.ownerReferences?.find((o) => o.controller && o.kind === 'ChaosExperiment');
  const condition = (type: string) => injection.status?.conditions?.find((c) => c.type === type);
  const injected = condition('Injected');
  return {
    metadata: {
      namespace: metadata.namespace,
      name: metadata.name,
      resourceVersion: metadata.resourceVersion,
    },
    ...(owner ? { owner: { name: owner.name, uid: owner.uid } } : {}),
    ...(injected
      ? {
          injected: {
            status: injected.status,
            reason: injected.reason ?? '',
            message: injected.message ?? '',
          },
        }
      : {}),
    ...(injection.status?.injectedAt ? { injectedAt: injection.status.injectedAt } : {}),
    ...(condition('Recovered')?.status === 'True' ? { recovered: true } : {}),
    ...(injection.status?.recoveredAt ? { recoveredAt: injection.status.recoveredAt } : {}),
    deleting: Boolean(metadata.deletionTimestamp),
  };
}
