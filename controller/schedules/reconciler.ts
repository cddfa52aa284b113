// The ChaosSchedule reconciler: observe (caches) → decide (core planSchedule) → act (create or
// delete runs) → one status write → events; after a run is created, the status write is the next
// reconcile's, so that a burst of fires creates every run first. Written against injected interfaces (the caches, the
// writers, the clock) and run by the controller runtime (manager/schedule-controller.ts): a key in,
// a requeueAfter out (the next fire time, so there is no polling). It reads the schedule through
// `context.get` and remembers its writes in `context.written` (the runtime's written-object
// overlay). Finalizer first; its removal is the very last write.
import { apiVersion } from '../../schemas/kinds.ts';
import { scheduleFinalizer } from '../api/contract.ts';
import type { ChaosPolicySpec } from '../api/types.generated.ts';
import { chooseRevision, specWrittenAt } from '../core/experiment/revision.ts';
import { targetNamespaces } from '../core/policy.ts';
import { planSchedule } from '../core/schedule/plan-schedule.ts';
import type {
  ObservedRun,
  ObservedSchedule,
  ScheduleAction,
  ScheduleObject,
} from '../core/schedule/types.ts';
import type { EventRecorder } from '../kube/event-recorder.ts';
import type { RunClient, ScheduleWriter } from '../kube/schedule-api.ts';
import type { ControllerContext, ControllerReconciler } from '../runtime/controller.ts';
import { type Failpoint, noFailpoints } from '../runtime/failpoints.ts';

export interface ScheduleView {
  /** The ChaosExperiments whose controller owner reference names this schedule UID, as the cache shows them. */
  runsOwnedBy(scheduleUid: string): readonly ObservedRun[];
  policies(): { name: string; spec: ChaosPolicySpec }[];
  namespaceLabels(name: string): Record<string, string> | undefined;
  /** The Git revision of the schedule's current spec, when the view can tell (else only a stamped annotation counts). */
  scheduleRevision?(schedule: ScheduleObject): string | undefined;
}

export interface ScheduleReconcilerOptions {
  view: ScheduleView;
  writer: ScheduleWriter;
  runs: RunClient;
  events: EventRecorder;
  controllerNamespace: string;
  now: () => Date;
  /**
   * Crash points for restart-safety tests (runtime/failpoints.ts): schedule.after-finalizer,
   * schedule.after-an-action (after each run created or deleted), schedule.after-status.
   */
  failpoint?: Failpoint;
}

type Overlay = Pick<ControllerContext<ScheduleObject>, 'get' | 'written'>;

/** "Right away": requeueAfter 0 would mean "not at all". */
const soon = 1;
/** Finalizer, then the first run: steps that follow each other run in one reconcile, bounded. */
const maxStepsPerReconcile = 4;

export function createScheduleReconciler(
  options: ScheduleReconcilerOptions,
): ControllerReconciler<ScheduleObject> {
  const failpoint = options.failpoint ?? noFailpoints;
  const runOverlay = new RunOverlay();

  function observe(schedule: ScheduleObject): ObservedSchedule {
    const namespace = schedule.metadata.namespace ?? 'default';
    const namespaces = targetNamespaces({
      namespace,
      name: schedule.metadata.name,
      spec: schedule.spec.template.spec,
    });
    const namespaceLabels: Record<string, Record<string, string> | undefined> = {};
    for (const ns of new Set([...namespaces, namespace]))
      namespaceLabels[ns] = options.view.namespaceLabels(ns);
    const revision =
      options.view.scheduleRevision?.(schedule) ??
      chooseRevision({
        annotations: schedule.metadata.annotations,
        writtenAt: specWrittenAt(schedule.metadata),
      }).revision;
    return {
      schedule,
      runs: runOverlay.resolve(schedule.metadata.uid, options.view.runsOwnedBy(schedule.metadata.uid)),
      policy: {
        policies: options.view.policies(),
        namespaceLabels,
        controllerNamespace: options.controllerNamespace,
      },
      ...(revision ? { revision } : {}),
      now: options.now(),
    };
  }

  async function step(
    key: string,
    schedule: ScheduleObject,
    { written }: Overlay,
  ): Promise<{ next: ScheduleObject } | { done: number | undefined }> {
    const { namespace = 'default', name, resourceVersion = '', uid } = schedule.metadata;
    const plan = planSchedule(observe(schedule));
    const finalizerAction = plan.actions.find(
      (a) => a.type === 'addFinalizer' || a.type === 'removeFinalizer',
    );
    if (finalizerAction?.type === 'addFinalizer') {
      const finalizers = [...(schedule.metadata.finalizers ?? []), scheduleFinalizer];
      const result = await options.writer.setFinalizers({ namespace, name, resourceVersion, finalizers });
      const next = {
        ...schedule,
        metadata: { ...schedule.metadata, finalizers, resourceVersion: result.resourceVersion },
      };
      written.remember(key, resourceVersion, next);
      failpoint('schedule.after-finalizer');
      return { next };
    }
    for (const action of plan.actions) {
      await perform(action, schedule);
      if (action.type === 'createRun' || action.type === 'deleteRun') failpoint('schedule.after-an-action');
    }
    // A run was created: its status is written by the next reconcile, queued behind every other
    // schedule due now. When many schedules fire at once, each creation then waits for the creations
    // before it only, not for their status writes too (and the write carries the run's UID, which a
    // write now would not, saving a second one). The next plan finds the run (runOverlay) and
    // records it as it records one created before a restart.
    const deferStatus = plan.actions.some((action) => action.type === 'createRun');

    let current = schedule;
    if (!finalizerAction && !deferStatus) {
      const result = await options.writer.writeStatus({
        namespace,
        name,
        resourceVersion,
        before: schedule.status,
        after: plan.status,
      });
      if (result) {
        current = {
          ...schedule,
          metadata: { ...schedule.metadata, resourceVersion: result.resourceVersion },
          status: plan.status,
        };
        written.remember(key, resourceVersion, current);
        failpoint('schedule.after-status');
      }
    }
    // Events are best effort and never hold the schedule up.
    for (const event of plan.events) {
      void options.events.record({
        target: {
          apiVersion,
          kind: 'ChaosSchedule',
          namespace,
          name,
          uid,
          resourceVersion: current.metadata.resourceVersion,
        },
        ...event,
        now: options.now(),
      });
    }
    if (finalizerAction?.type === 'removeFinalizer') {
      const finalizers = (schedule.metadata.finalizers ?? []).filter((f) => f !== scheduleFinalizer);
      await options.writer.setFinalizers({ namespace, name, resourceVersion, finalizers });
      written.forget(key);
      runOverlay.forget(uid);
      return { done: undefined };
    }
    if (deferStatus) return { done: soon };
    if (plan.requeueAfterMs === 0) return { next: current };
    return { done: plan.requeueAfterMs === undefined ? undefined : Math.max(soon, plan.requeueAfterMs) };
  }

  async function perform(action: ScheduleAction, schedule: ScheduleObject): Promise<void> {
    const { uid, namespace = 'default' } = schedule.metadata;
    if (action.type === 'createRun') {
      const created = await options.runs.create(action.run);
      runOverlay.created(uid, {
        metadata: {
          name: action.run.metadata.name,
          ...(created.uid ? { uid: created.uid } : {}),
          generation: 1,
          annotations: action.run.metadata.annotations,
        },
      });
    } else if (action.type === 'deleteRun') {
      const { gone } = await options.runs.delete({ namespace, name: action.name, uid: action.uid });
      runOverlay.deleted(uid, { name: action.name, uid: action.uid }, options.now(), gone);
    }
  }

  return async (key, context) => {
    let schedule = context.get(key);
    if (!schedule) {
      context.written.forget(key);
      return undefined;
    }
    for (let steps = 0; steps < maxStepsPerReconcile; steps++) {
      const result = await step(key, schedule, context);
      if ('done' in result) return result.done === undefined ? undefined : { requeueAfter: result.done };
      schedule = result.next;
    }
    return { requeueAfter: soon };
  };
}

/**
 * Runs we created or deleted that the cache does not show that way yet. Without it, a reconcile
 * right after a creation would not see the new run, and a Forbid schedule could start another
 * at the next fire time while the cache lags.
 *
 * A run we deleted and the API server answered was gone (no finalizer kept it) is gone, whatever the
 * cache shows. Without that, a run created and deleted before any reconcile saw it in the cache (a
 * schedule deleted right after a fire: its new run has no finalizer yet and goes at once) stayed in
 * the overlay as created for good, and the schedule waited for it forever (seen in CI).
 */
class RunOverlay {
  readonly #created = new Map<string, Map<string, ObservedRun>>();
  readonly #deleted = new Map<string, Map<string, { at: string; gone: boolean; uid?: string }>>();

  created(scheduleUid: string, run: ObservedRun): void {
    const runs = this.#created.get(scheduleUid) ?? new Map<string, ObservedRun>();
    runs.set(run.metadata.name, run);
    this.#created.set(scheduleUid, runs);
  }

  deleted(scheduleUid: string, run: { name: string; uid?: string }, at: Date, gone: boolean): void {
    const names =
      this.#deleted.get(scheduleUid) ?? new Map<string, { at: string; gone: boolean; uid?: string }>();
    names.set(run.name, { at: at.toISOString(), gone, ...(run.uid ? { uid: run.uid } : {}) });
    this.#deleted.set(scheduleUid, names);
    if (gone) this.#created.get(scheduleUid)?.delete(run.name);
  }

  resolve(scheduleUid: string, cached: readonly ObservedRun[]): ObservedRun[] {
    const byName = new Map(cached.map((run) => [run.metadata.name, run]));
    const created = this.#created.get(scheduleUid);
    for (const [name, run] of created ?? []) {
      if (byName.has(name)) created!.delete(name);
      else byName.set(name, run);
    }
    const deleted = this.#deleted.get(scheduleUid);
    for (const [name, { at, gone, uid }] of deleted ?? []) {
      const run = byName.get(name);
      // Gone from the cache, or another object under the name: nothing left to overlay.
      if (!run || (uid && run.metadata.uid && run.metadata.uid !== uid)) deleted!.delete(name);
      // Gone, still in a lagging cache: kept out until the cache lets it go too.
      else if (gone) byName.delete(name);
      else if (run.metadata.deletionTimestamp) deleted!.delete(name);
      else byName.set(name, { ...run, metadata: { ...run.metadata, deletionTimestamp: at } });
    }
    return [...byName.values()];
  }

  forget(scheduleUid: string): void {
    this.#created.delete(scheduleUid);
    this.#deleted.delete(scheduleUid);
  }
}
