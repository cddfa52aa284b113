// Writes of a controller to the objects it reconciles: its finalizer on the object, everything else
// on the status subresource, each guarded by the resourceVersion it was computed from. A controller
// never writes spec, so Argo CD sees no drift.
import type { KubeHttp } from './kube-http.ts';
import { createMergePatch } from './merge-patch.ts';
import { resourcePath } from './paths.ts';

export interface ObjectIdentity {
  namespace: string;
  name: string;
  /** Optimistic concurrency: the write fails with 409 Conflict if the object changed since. */
  resourceVersion: string;
}

export interface StatusWriter<Status> {
  setFinalizers(options: ObjectIdentity & { finalizers: string[] }): Promise<{ resourceVersion: string }>;
  /** Writes only what changed, as one merge patch; no request at all when nothing did. */
  writeStatus(
    options: ObjectIdentity & { before: Status | undefined; after: Status },
  ): Promise<{ resourceVersion: string } | undefined>;
}

export function createStatusWriter<Status extends object>(
  http: KubeHttp,
  resource: { group: string; version: string; plural: string },
): StatusWriter<Status> {
  return {
    async setFinalizers({ namespace, name, resourceVersion, finalizers }) {
      const updated = await http.request<{ metadata: { resourceVersion: string } }>({
        method: 'PATCH',
        path: resourcePath({ ...resource, namespace, name }),
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
        path: resourcePath({ ...resource, namespace, name, subresource: 'status' }),
        patchType: 'merge',
        body: { metadata: { resourceVersion }, status: patch },
      });
      return { resourceVersion: updated.metadata.resourceVersion };
    },
  };
}
