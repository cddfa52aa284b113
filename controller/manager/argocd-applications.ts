// Argo CD Applications as the controller caches them (read-only, optional: --argocd-namespace), and
// the revision each experiment generation was first seen with.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ApplicationSyncs, RevisionChoice } from '../core/experiment/revision.ts';

export type ApplicationRecord = KubernetesObject &
  ApplicationSyncs & { metadata: { name?: string; namespace?: string; resourceVersion?: string } };

export const applicationsResource = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };

type Revisions = { revision?: string; revisions?: string[] };

function revisionsOf(value: Revisions | undefined): Revisions | undefined {
  if (!value) return undefined;
  return {
    ...(value.revision ? { revision: value.revision } : {}),
    ...(value.revisions ? { revisions: value.revisions } : {}),
  };
}

/** Keeps only the sync records: an Application's sources, resources and conditions can be large. */
export function keepSyncRecords(object: KubernetesObject): ApplicationRecord {
  const status = (object as ApplicationSyncs).status;
  const operation = status?.operationState;
  return {
    metadata: {
      name: object.metadata?.name,
      namespace: object.metadata?.namespace,
      resourceVersion: object.metadata?.resourceVersion,
    },
    status: {
      ...(status?.sync ? { sync: { status: status.sync.status, ...revisionsOf(status.sync) } } : {}),
      ...(status?.history
        ? {
            history: status.history.map((entry) => ({
              id: entry.id,
              deployStartedAt: entry.deployStartedAt,
              deployedAt: entry.deployedAt,
              ...revisionsOf(entry),
            })),
          }
        : {}),
      ...(operation
        ? {
            operationState: {
              phase: operation.phase,
              startedAt: operation.startedAt,
              finishedAt: operation.finishedAt,
              operation: { sync: revisionsOf(operation.operation?.sync) },
              syncResult: revisionsOf(operation.syncResult),
            },
          }
        : {}),
    },
  };
}

/**
 * The revision of each experiment's newest generation, as first answered by a source bound to that
 * generation (the stamped annotation, or the sync that applied it). A run that waits for a slot
 * keeps the answer from when its spec arrived, even if a later sync restamps the annotation.
 * Forgotten on restart; the next answer is then computed afresh.
 */
export class RevisionMemo {
  readonly #byUid = new Map<string, { generation: number; revision: string }>();

  revision(
    experiment: { metadata: { uid: string; generation: number } },
    compute: () => RevisionChoice,
  ): string | undefined {
    const { uid, generation } = experiment.metadata;
    const known = this.#byUid.get(uid);
    if (known?.generation === generation) return known.revision;
    const choice = compute();
    // The current Synced revision describes the Application now, not the spec: never remembered.
    if (
      choice.revision !== undefined &&
      choice.source !== 'application' &&
      generation >= (known?.generation ?? 0)
    ) {
      this.#byUid.set(uid, { generation, revision: choice.revision });
    }
    return choice.revision;
  }

  forget(uid: string | undefined): void {
    if (uid) this.#byUid.delete(uid);
  }
}
