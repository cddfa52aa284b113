// Writes to ChaosExperiments: finalizers on the object, everything else on the status subresource
// (status-writer.ts). The controller never writes spec, so Argo CD sees no drift.
import type { ChaosExperimentStatus } from '../api/types.generated.ts';
import type { KubeHttp } from './kube-http.ts';
import { resources } from './paths.ts';
import { createStatusWriter, type StatusWriter } from './status-writer.ts';

export type { ObjectIdentity } from './status-writer.ts';

export type ExperimentWriter = StatusWriter<ChaosExperimentStatus>;

export function createExperimentWriter(http: KubeHttp): ExperimentWriter {
  return createStatusWriter<ChaosExperimentStatus>(http, resources.experiments);
}
