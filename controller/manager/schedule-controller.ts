// The ChaosSchedule controller on the controller runtime (runtime/controller.ts): schedules are its
// primary objects, the ChaosExperiments it created wake their schedule through their controller
// owner reference (when created, deleted, or changed in a way the schedule decides on: finished,
// being deleted; not at each step of a run under way), and a change of the policies in force wakes every schedule (a run held by a
// suspension starts when it lifts). The reconciler's requeueAfter is the next fire time: the work
// queue keeps one timer, for the nearest deadline across all schedules (runtime/work-queue.ts).
import { runChangeConcernsSchedule } from '../core/schedule/runs.ts';
import { createEventRecorder } from '../kube/event-recorder.ts';
import { createRunClient, createScheduleWriter } from '../kube/schedule-api.ts';
import { type ControllerDefinition, controllerOwnerName, owned } from '../runtime/controller.ts';
import { createScheduleReconciler } from '../schedules/reconciler.ts';
import type { CachedSchedule } from './cluster-caches.ts';
import type { ControllerWiring } from './controller-manager.ts';

export function scheduleController({
  options,
  caches,
  http,
  clock,
}: ControllerWiring): ControllerDefinition<CachedSchedule> {
  const reconcile = createScheduleReconciler({
    view: caches,
    writer: createScheduleWriter(http),
    runs: createRunClient(http),
    events: createEventRecorder({
      http,
      component: 'chaoscraft-controller',
      onError: (error) => options.logger.warn({ err: String(error) }, 'could not record an event'),
    }),
    controllerNamespace: options.namespace,
    now: () => new Date(clock.now()),
    failpoint: options.failpoint,
  });
  return {
    name: 'chaosschedule',
    queue: 'chaosschedules',
    logKey: 'schedule',
    for: caches.schedules,
    owns: [
      owned(caches.experiments, controllerOwnerName('ChaosSchedule'), {
        concerns: (before, after) => runChangeConcernsSchedule(before, after),
      }),
    ],
    watches: [
      (enqueue) =>
        caches.onPoliciesChanged(() => {
          for (const schedule of caches.schedules.list()) enqueue(schedule);
        }),
    ],
    reconcile,
  } satisfies ControllerDefinition<CachedSchedule>;
}
