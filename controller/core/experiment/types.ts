// What the experiment lifecycle decides from, and what it asks the edges to do.
import type {
  ChaosExperiment,
  ChaosExperimentStatus,
  Fault,
  TargetRecord,
} from '../../api/types.generated.ts';
import type { PolicyInput } from '../policy.ts';

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
  now: Date;
}

export type ProbePhase = 'before' | 'during' | 'after';

export type Action =
  | { type: 'addFinalizer' }
  | { type: 'removeFinalizer' }
  | { type: 'inject'; record: TargetRecord; fault: Fault }
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
  | { type: 'inject' | 'recover'; recordKey: string; ok: true; at: Date }
  | {
      type: 'inject' | 'recover';
      recordKey: string;
      ok: false;
      at: Date;
      message: string;
      /** Worth another try with back-off (API trouble). */
      retryable: boolean;
      /**
       * Under way but not confirmed (a node agent has not reported yet): the record keeps its
       * state and the run looks again soon; not an error.
       */
      pending?: boolean;
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
