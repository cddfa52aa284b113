// The runs a schedule creates: their manifests (owner reference, labels, fire time, revision),
// where each one stands, and which finished ones the history limits let go.

import { scheduleSpec } from '../../../schemas/chaos-schedule.ts';
import { apiVersion } from '../../../schemas/kinds.ts';
import {
  labelValueOf,
  scheduledRunName,
  scheduledTimeAnnotation,
  scheduleLabel,
} from '../../api/contract.ts';
import { findCondition } from '../conditions.ts';
import { revisionAnnotation } from '../experiment/revision.ts';
import { runStateOf } from '../experiment/run-state.ts';
import type { ObservedRun, RunManifest, ScheduleObject } from './types.ts';

export type RunOutcome = 'active' | 'succeeded' | 'failed';

/**
 * Where a run stands. `active` is every run that is not finished, whether it is waiting, running,
 * recovering or being deleted: such a run may hold faults, so it counts towards concurrency and is
 * never removed for history.
 */
export function runOutcome(run: ObservedRun): RunOutcome {
  const generation = run.metadata.generation ?? 1;
  const succeeded = findCondition(run.status?.conditions, 'Succeeded');
  const finished =
    runStateOf({ metadata: { generation }, status: run.status }) === 'finished' ||
    // The API server bumps the generation of an object it marks for deletion (it has finalizers),
    // so a run that had finished reads as not started for its new generation; being deleted, it
    // never starts again. Without this it came back into status.active (and held a Forbid
    // schedule) between the history cleanup's delete and its end.
    (run.metadata.deletionTimestamp !== undefined &&
      (succeeded?.status === 'True' || succeeded?.status === 'False'));
  if (!finished) return 'active';
  return succeeded?.status === 'True' ? 'succeeded' : 'failed';
}

/**
 * Whether a change of a run can change what its schedule decides: planSchedule reads of a run only
 * its name, UID, deletion, fire time, outcome and completion time. Anything else (the finalizer,
 * the steps of a run under way, records, its status revision) does not concern the schedule.
 */
export function runChangeConcernsSchedule(before: ObservedRun, after: ObservedRun): boolean {
  return (
    runOutcome(before) !== runOutcome(after) ||
    before.status?.completionTime !== after.status?.completionTime ||
    before.metadata.deletionTimestamp !== after.metadata.deletionTimestamp ||
    before.metadata.uid !== after.metadata.uid ||
    before.metadata.name !== after.metadata.name ||
    scheduledTimeOf(before) !== scheduledTimeOf(after)
  );
}

/** The fire time a run was created for: its annotation, else (not created by us) its creation time. */
export function scheduledTimeOf(run: ObservedRun): number {
  const stamped = Date.parse(run.metadata.annotations?.[scheduledTimeAnnotation] ?? '');
  if (!Number.isNaN(stamped)) return stamped;
  const created = Date.parse(run.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? 0 : created;
}

/** Oldest first, by fire time, then by name. */
export function byScheduledTime(a: ObservedRun, b: ObservedRun): number {
  return scheduledTimeOf(a) - scheduledTimeOf(b) || a.metadata.name.localeCompare(b.metadata.name);
}

/** The run for one fire time, owned by the schedule (a controller owner reference, so GC and watches find it). */
export function runManifest(options: {
  schedule: ScheduleObject;
  scheduledTime: Date;
  revision?: string;
}): RunManifest {
  const { schedule, scheduledTime } = options;
  const template = schedule.spec.template;
  const stampedRevision: Record<string, string> = options.revision
    ? { [revisionAnnotation]: options.revision }
    : {};
  return {
    apiVersion,
    kind: 'ChaosExperiment',
    metadata: {
      name: scheduledRunName(schedule.metadata.name, scheduledTime),
      namespace: schedule.metadata.namespace ?? 'default',
      labels: { ...template.metadata?.labels, [scheduleLabel]: labelValueOf(schedule.metadata.name) },
      annotations: {
        ...template.metadata?.annotations,
        [scheduledTimeAnnotation]: scheduledTime.toISOString(),
        ...stampedRevision,
      },
      ownerReferences: [
        {
          apiVersion,
          kind: 'ChaosSchedule',
          name: schedule.metadata.name,
          uid: schedule.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(template.spec),
  };
}

function schemaDefault(field: 'successfulHistoryLimit' | 'failedHistoryLimit'): number {
  return scheduleSpec.properties?.[field]?.default as number;
}

/** The history limits, with the schema's defaults (3 and 1) where the spec leaves them out. */
export function historyLimits(spec: ScheduleObject['spec']): { succeeded: number; failed: number } {
  return {
    succeeded: spec.successfulHistoryLimit ?? schemaDefault('successfulHistoryLimit'),
    failed: spec.failedHistoryLimit ?? schemaDefault('failedHistoryLimit'),
  };
}

/**
 * Finished runs beyond the history limits, oldest first: the newest `succeeded` successful and
 * `failed` failed runs stay. Runs that are not finished are never among them.
 */
export function runsBeyondHistory(
  runs: readonly ObservedRun[],
  limits: { succeeded: number; failed: number },
): ObservedRun[] {
  const beyond: ObservedRun[] = [];
  for (const outcome of ['succeeded', 'failed'] as const) {
    const finished = runs
      .filter((run) => !run.metadata.deletionTimestamp && runOutcome(run) === outcome)
      .sort(byScheduledTime);
    beyond.push(...finished.slice(0, Math.max(0, finished.length - limits[outcome])));
  }
  return beyond.sort(byScheduledTime);
}

/** The latest completion time of a successful run, or `previous` when it is later. */
export function lastSuccessfulTime(
  runs: readonly ObservedRun[],
  previous: string | undefined,
): string | undefined {
  let latest = previous;
  for (const run of runs) {
    const completed = run.status?.completionTime;
    if (runOutcome(run) !== 'succeeded' || !completed) continue;
    if (!latest || Date.parse(completed) > Date.parse(latest)) latest = completed;
  }
  return latest;
}
