// Writes to ChaosExperiments: finalizers on the object, everything else on the status
// subresource. The controller never writes spec, so Argo CD sees no drift.
import type { ChaosExperimentStatus } from '../api/types.generated.ts';
import type { KubeHttp } from './kube-http.ts';
import { createMergePatch } from './merge-patch.ts';
import { resourcePath, resources } from './paths.ts';

export interface ObjectIdentity {
  namespace: string;
  name: string;
  /** Optimistic concurrency: the write fails with 409 Conflict if the object changed since. */
  resourceVersion: string;
}

export interface ExperimentWriter {
  setFinalizers(options: ObjectIdentity & { finalizers: string[] }): Promise<{ resourceVersion: string }>;
  /** Writes only what changed, as one merge patch; no request at all when nothing did. */
  writeStatus(
    options: ObjectIdentity & { before: ChaosExperimentStatus | undefined; after: ChaosExperimentStatus },
  ): Promise<{ resourceVersion: string } | undefined>;
}

export function createExperimentWriter(http: KubeHttp): ExperimentWriter {
  return {
    async setFinalizers({ namespace, name, resourceVersion, finalizers }) {
      const updated = await http.request<{ metadata: { resourceVersion: string } }>({
        method: 'PATCH',
        path: resourcePath({ ...resources.experiments, namespace, name }),
        patchType: 'merge',
        body: { metadata: { finalizers, resourceVersion } },
      });
      return { resourceVersion: updated.metadata.resourceVersion };
    },
    async writeStatus({ namespace, name, resourceVersion, before, after }) {
      const patch = createMergePatch(before ?? {}, after);
      if (!patch) return undefined;
      const updated = await http.request<{ metadata: { resourceVersion: string } }>({
        method: 'PATCH',
        path: resourcePath({ ...resources.experiments, namespace, name, subresource: 'status' }),
        patchType: 'merge',
        body: { metadata: { resourceVersion }, status: patch },
      });
      return { resourceVersion: updated.metadata.resourceVersion };
    },
  };
}
