// Writes for the schedule controller: the schedule's finalizer and status, and the runs it owns
// (created with their owner reference, deleted with a UID precondition so a replay never removes a
// newer object of the same name). The controller never writes a schedule's spec.
import type { ChaosScheduleStatus } from '../api/types.generated.ts';
import type { RunManifest } from '../core/schedule/types.ts';
import type { ObjectIdentity } from './experiment-api.ts';
import { isKubeError } from './kube-errors.ts';
import type { KubeHttp } from './kube-http.ts';
import { createMergePatch } from './merge-patch.ts';
import { resourcePath, resources } from './paths.ts';

export interface ScheduleWriter {
  setFinalizers(options: ObjectIdentity & { finalizers: string[] }): Promise<{ resourceVersion: string }>;
  /** Writes only what changed, as one merge patch; no request at all when nothing did. */
  writeStatus(
    options: ObjectIdentity & { before: ChaosScheduleStatus | undefined; after: ChaosScheduleStatus },
  ): Promise<{ resourceVersion: string } | undefined>;
}

export interface RunClient {
  /** Creates the run; one that exists already (created before a crash) is the same run: its UID is returned. */
  create(run: RunManifest): Promise<{ uid?: string; existed: boolean }>;
  /** Deletes the run (its own finalizer keeps it until its faults are recovered); gone already is fine. */
  delete(options: { namespace: string; name: string; uid?: string }): Promise<void>;
}

export function createScheduleWriter(http: KubeHttp): ScheduleWriter {
  return {
    async setFinalizers({ namespace, name, resourceVersion, finalizers }) {
      const updated = await http.request<{ metadata: { resourceVersion: string } }>({
        method: 'PATCH',
        path: resourcePath({ ...resources.schedules, namespace, name }),
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
        path: resourcePath({ ...resources.schedules, namespace, name, subresource: 'status' }),
        patchType: 'merge',
        body: { metadata: { resourceVersion }, status: patch },
      });
      return { resourceVersion: updated.metadata.resourceVersion };
    },
  };
}

export function createRunClient(http: KubeHttp): RunClient {
  return {
    async create(run) {
      const path = resourcePath({ ...resources.experiments, namespace: run.metadata.namespace });
      try {
        const created = await http.request<{ metadata?: { uid?: string } }>({
          method: 'POST',
          path,
          body: run,
        });
        return { uid: created.metadata?.uid, existed: false };
      } catch (error) {
        if (isKubeError(error, 'AlreadyExists')) return { existed: true };
        throw error;
      }
    },
    async delete({ namespace, name, uid }) {
      try {
        await http.request({
          method: 'DELETE',
          path: resourcePath({ ...resources.experiments, namespace, name }),
          ...(uid ? { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid } } } : {}),
        });
      } catch (error) {
        // Gone, or a newer object under the same name (precondition failed): nothing of ours to delete.
        if (isKubeError(error, 'NotFound') || isKubeError(error, 'Conflict')) return;
        throw error;
      }
    },
  };
}
