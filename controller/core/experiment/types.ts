// What the experiment lifecycle decides from, and what it asks the edges to do.
import type {
  ChaosExperiment,
  ChaosExperimentStatus,
  Fault,
  TargetRecord,
} from '../../api/types.generated.ts';
import type { PolicyInput } from '../policy.ts';
import type { InjectionObservation, RunTimeouts } from './agent-reports.ts';

/** A pod (or, in standalone mode, a process or network namespace) that the selector matches now. */
export interface Candidate {
  kind: TargetRecord['kind'];
  namespace?: string;
  name: string;
  uid?: string;
  node?: string;
  pid?: number;
  /** The owning workload, e.g. "shop/ReplicaSet/checkout-7d9f", for maxTargetsPercent. */
  workload?: string;
}

export interface ObservedExperiment {
  experiment: ChaosExperiment & {
    metadata: {
      name: string;
      namespace?: string;
      uid: string;
      generation: number;
      resourceVersion?: string;
      finalizers?: string[];
      deletionTimestamp?: string;
    };
  };
  /** Targets matching the selector now; only needed when a run starts. */
  candidates: readonly Candidate[];
  /** Everything the guardrails need besides the experiment, its targets and the time. */
  policy: Omit<PolicyInput, 'experiment' | 'targets' | 'now'>;
  /**
   * Policy sources besides the cluster (Git) that could not be read just now, one sentence each:
   * the guardrails then judge with the last policies read, and the status says so.
   */
  policySourceProblems?: readonly string[];
  /**
   * The Git commit this generation of the spec came from, when the edges can tell (a revision
   * stamped into the manifest, or the Argo CD sync that applied it). Recorded when a run starts,
   * so its result reaches the pull request that merged it even after later merges.
   */
  revision?: string;
  /** The run's ChaosInjections as the cache shows them, by name (only needed during a run). */
  injections?: ReadonlyMap<string, InjectionObservation>;
  /** A cluster (the default) or standalone mode: what the selector may select (admit-run.ts). */
  mode?: 'cluster' | 'standalone';
  /** Agent and recovery timeouts (defaultRunTimeouts when absent). */
  timeouts?: RunTimeouts;
  now: Date;
}

export type ProbePhase = 'before' | 'during' | 'after';

export type Action =
  | { type: 'addFinalizer' }
  | { type: 'removeFinalizer' }
  /** For a node fault, `deadline` is when the agent recovers on its own (the dead-man switch). */
  | { type: 'inject'; record: TargetRecord; fault: Fault; deadline?: Date }
  | { type: 'recover'; record: TargetRecord; fault: Fault }
  | { type: 'runProbes'; phase: ProbePhase; names: string[] };

export interface EventRecord {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface Plan {
  /** Effects, in order. An effect's outcome is folded into `status` by applyOutcomes. */
  actions: Action[];
  /** The status to write (before outcomes are folded in); undefined when nothing changes. */
  status: ChaosExperimentStatus;
  events: EventRecord[];
  /** Come back after this long (timed work), or at once with 0. Undefined: wait for a change. */
  requeueAfterMs?: number;
}

/** What happened when an action ran. */
export type Outcome =
  | {
      type: 'inject';
      recordKey: string;
      ok: true;
      at: Date;
      /** A node fault handed to its agent: the ChaosInjection's name. The record stays pending until the agent reports. */
      handedOver?: string;
    }
  | {
      type: 'recover';
      recordKey: string;
      ok: true;
      at: Date;
      /**
       * Nothing of the fault is left (a pod fault, or the ChaosInjection is gone). False: removal was
       * asked for and the agent's finalizer holds the object until it has undone the change.
       */
      gone: boolean;
    }
  | {
      type: 'inject' | 'recover';
      recordKey: string;
      ok: false;
      at: Date;
      message: string;
      /** Worth another try with back-off (API trouble). */
      retryable: boolean;
    }
  | {
      type: 'probe';
      name: string;
      phase: ProbePhase;
      outcome: 'Passed' | 'Failed' | 'Error';
      message: string;
      at: Date;
    };

export function recordKey(record: Pick<TargetRecord, 'fault' | 'namespace' | 'name'>): string {
  return `${record.fault}/${record.namespace ?? ''}/${record.name}`;
}
