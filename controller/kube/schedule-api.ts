// Writes for the schedule controller: the schedule's finalizer and status, and the runs it owns
// (created with their owner reference, deleted with a UID precondition so a replay never removes a
// newer object of the same name). The controller never writes a schedule's spec.
import type { ChaosScheduleStatus } from '../api/types.generated.ts';
import type { RunManifest } from '../core/schedule/types.ts';
import { isKubeError } from './kube-errors.ts';
import type { KubeHttp } from './kube-http.ts';
import { resourcePath, resources } from './paths.ts';
import { createStatusWriter, type StatusWriter } from './status-writer.ts';

export type ScheduleWriter = StatusWriter<ChaosScheduleStatus>;

export interface RunClient {
  /** Creates the run; one that exists already (created before a crash) is the same run: its UID is returned. */
  create(run: RunManifest): Promise<{ uid?: string; existed: boolean }>;
  /**
   * Deletes the run (its own finalizer keeps it until its faults are recovered); gone already is fine.
   * `gone`: nothing of ours is left under the name (it went at once, was gone already, or the name
   * holds a newer object); false while the run's finalizer keeps it.
   */
  delete(options: { namespace: string; name: string; uid?: string }): Promise<{ gone: boolean }>;
}

export function createScheduleWriter(http: KubeHttp): ScheduleWriter {
  return createStatusWriter<ChaosScheduleStatus>(http, resources.schedules);
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
        // The answer is the object: marked for deletion with its finalizers while they keep it, as
        // it last was when it went at once.
        const answer = await http.request<{ metadata?: { finalizers?: string[] } }>({
          method: 'DELETE',
          path: resourcePath({ ...resources.experiments, namespace, name }),
          ...(uid ? { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid } } } : {}),
        });
        return { gone: !answer?.metadata?.finalizers?.length };
      } catch (error) {
        // Gone, or a newer object under the same name (precondition failed): nothing of ours to delete.
        if (isKubeError(error, 'NotFound') || isKubeError(error, 'Conflict')) return { gone: true };
        throw error;
      }
    },
  };
}
