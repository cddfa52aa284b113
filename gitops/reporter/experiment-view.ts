// A ChaosExperiment as the reporter reads it from the API: the generated type lacks server-set
// metadata (uid, generation, ownerReferences), so this view adds them. Read-only by design.
import type {
  ChaosExperimentSpec,
  ChaosExperimentStatus,
  Condition,
} from '../../controller/api/types.generated.ts';
import type { ManagedFieldsEntry } from '../../controller/core/experiment/revision.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

export interface ExperimentObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    creationTimestamp?: string;
    /** Who wrote which fields when: tells when the current generation of the spec was written. */
    managedFields?: ManagedFieldsEntry[];
  };
  spec: ChaosExperimentSpec;
  status?: ChaosExperimentStatus;
}

export function succeededCondition(experiment: ExperimentObject): Condition | undefined {
  return experiment.status?.conditions?.find((condition) => condition.type === 'Succeeded');
}

/** Finished: Succeeded is True or False for the current generation. */
export function isFinished(experiment: ExperimentObject): boolean {
  const succeeded = succeededCondition(experiment);
  if (!succeeded || succeeded.status === 'Unknown') return false;
  const generation = experiment.metadata.generation;
  const observed = succeeded.observedGeneration ?? experiment.status?.observedGeneration;
  return generation === undefined || observed === undefined || observed === generation;
}

export function scheduleOwner(experiment: ExperimentObject): OwnerReference | undefined {
  return experiment.metadata.ownerReferences?.find((owner) => owner.kind === 'ChaosSchedule');
}

/** What makes one run unique: re-applying the same spec is the same run; a new generation is a new run. */
export function runKey(experiment: ExperimentObject): string {
  const { namespace, name, uid, generation } = experiment.metadata;
  return `${namespace}/${name} uid=${uid} generation=${generation ?? 0}`;
}
