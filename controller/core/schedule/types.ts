// What the schedule controller decides from, and what it asks the edges to do.
import type {
  ChaosExperiment,
  ChaosExperimentStatus,
  ChaosSchedule,
  ChaosScheduleStatus,
} from '../../api/types.generated.ts';
import type { EventRecord } from '../experiment/types.ts';
import type { PolicyInput } from '../policy.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

export type ScheduleObject = ChaosSchedule & {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    generation: number;
    resourceVersion?: string;
    creationTimestamp?: string;
    finalizers?: string[];
    deletionTimestamp?: string;
    managedFields?: { time?: string; subresource?: string; fieldsV1?: Record<string, unknown> }[];
  };
};

/** A ChaosExperiment the schedule owns (controller owner reference), as the cache shows it. */
export interface ObservedRun {
  metadata: {
    name: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  status?: ChaosExperimentStatus;
}

export interface ObservedSchedule {
  schedule: ScheduleObject;
  /** Every ChaosExperiment the schedule owns, including those being deleted. */
  runs: readonly ObservedRun[];
  /** The guardrails' facts besides the experiment, its targets and the time (as for experiments). */
  policy: Omit<PolicyInput, 'experiment' | 'targets' | 'now'>;
  /** The Git commit the schedule's current spec came from, when the edges can tell. */
  revision?: string;
  /** A cluster (the default) or standalone mode: what the template's selector may select. */
  mode?: 'cluster' | 'standalone';
  now: Date;
}

/** A ChaosExperiment to create: the manifest, with the owner reference the edges must not change. */
export type RunManifest = ChaosExperiment & {
  metadata: ChaosExperiment['metadata'] & {
    name: string;
    namespace: string;
    ownerReferences: OwnerReference[];
  };
};

export type ScheduleAction =
  | { type: 'addFinalizer' }
  | { type: 'removeFinalizer' }
  | { type: 'createRun'; run: RunManifest; scheduledTime: Date }
  /**
   * Delete a run: a replaced one (concurrencyPolicy Replace), one beyond the history limits, or every
   * run of a deleted schedule. Its own finalizer keeps it until its faults are recovered.
   */
  | { type: 'deleteRun'; name: string; uid?: string; why: 'replaced' | 'history' | 'scheduleDeleted' };

export interface SchedulePlan {
  actions: ScheduleAction[];
  status: ChaosScheduleStatus;
  events: EventRecord[];
  /** Come back after this long (the next fire time, a guardrail lifting), or at once with 0. Undefined: on a change only. */
  requeueAfterMs?: number;
}
