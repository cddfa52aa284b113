// The ChaosExperiment reconciler: observe (caches) → decide (core) → act (executor, probes) →
// one status write → events. Finalizer first; a removed finalizer is the very last write.

import { apiVersion } from '../../schemas/kinds.ts';
import { experimentFinalizer } from '../api/contract.ts';
import type { RunTimeouts } from '../core/experiment/agent-reports.ts';
import { applyOutcomes } from '../core/experiment/apply-outcomes.ts';
import { planExperiment } from '../core/experiment/plan-experiment.ts';
import { runStateOf } from '../core/experiment/run-state.ts';
import type { Action, ObservedExperiment, Outcome } from '../core/experiment/types.ts';
import type { EventRecorder } from '../kube/event-recorder.ts';
import type { ExperimentWriter } from '../kube/experiment-api.ts';
import type { ControllerMetrics } from '../observability/metrics.ts';
import type { ControllerContext, ControllerReconciler } from '../runtime/controller.ts';
import { type Failpoint, noFailpoints } from '../runtime/failpoints.ts';
import { TransientError } from '../runtime/index.ts';
import { mapInOrder } from '../runtime/map-in-order.ts';
import { createSerialRunner } from '../runtime/serial-runner.ts';
import type { FaultExecutor } from './executor.ts';
import { type ClusterView, observeExperiment } from './observe.ts';

type Experiment = ObservedExperiment['experiment'];

export interface ProbeRunner {
  run(options: {
    experiment: Experiment;
    name: string;
    phase: 'before' | 'during' | 'after';
    signal?: AbortSignal;
  }): Promise<Outcome>;
}

export interface ExperimentReconcilerOptions {
  view: ClusterView;
  writer: ExperimentWriter;
  executor: FaultExecutor;
  probes: ProbeRunner;
  events: EventRecorder;
  controllerNamespace: string;
  now: () => Date;
  metrics?: ControllerMetrics;
  /** Faults applied at once within one experiment (default 32). */
  concurrency?: number;
  /**
   * Faults recovered at once within one experiment (default 64). Higher than for injecting: a recovery is
   * one small DELETE, and while it waits its fault stays in place.
   */
  recoveryConcurrency?: number;
  /** Agent and recovery timeouts (core's defaults when absent). */
  timeouts?: RunTimeouts;
  /** Crash points between the steps, for restart-safety tests (see runtime/failpoints.ts). */
  failpoint?: Failpoint;
}

/** Reconcile again "right away": requeueAfter 0 would mean "not at all". */
const soon = 1;
/**
 * Steps that follow one another without waiting (finalizer, records, injections) run in one
 * reconcile, each persisted before the next, instead of a queue round trip apiece. Bounded, so
 * one experiment cannot hold a worker.
 */
const maxStepsPerReconcile = 8;
type Overlay = Pick<ControllerContext<Experiment>, 'get' | 'written' | 'signal'>;
type StepResult = { next: Experiment } | { done: { requeueAfter: number } | undefined };

/**
 * The reconcile of the experiment controller (manager/experiment-controller.ts). It reads experiments
 * through `context.get`, and remembers each of its writes in `context.written`: the runtime's
 * written-object overlay (runtime/controller.ts).
 */
export function createExperimentReconciler(
  options: ExperimentReconcilerOptions,
): ControllerReconciler<Experiment> {
  const concurrency = options.concurrency ?? 32;
  const recoveryConcurrency = options.recoveryConcurrency ?? 64;
  const failpoint = options.failpoint ?? noFailpoints;
  /**
   * Admissions one at a time, each counting the runs admitted before it (maxConcurrentExperiments):
   * two workers admitting side by side would each count the other as not running yet.
   */
  const admitting = createSerialRunner();
  const gauges = new RunGauges();

  /**
   * Other experiments with a run admitted and not finished, our own latest writes first: the
   * cache can lag our writes by seconds, and a run admitted a moment ago counts already.
   */
  function activeOthers(key: string, { written, get }: Overlay): number {
    const keys = new Set([...options.view.activeExperimentKeys(), ...written.keys()]);
    keys.delete(key);
    let active = 0;
    for (const other of keys) {
      const current = get(other);
      if (current && runStateOf(current) === 'running') active++;
    }
    return active;
  }

  /** One lifecycle step: plan, act, write. Returns the written object when the next step is due now. */
  async function step(key: string, experiment: Experiment, context: Overlay): Promise<StepResult> {
    const state = runStateOf(experiment);
    const admission = !experiment.metadata.deletionTimestamp && (state === 'new' || state === 'waiting');
    // Only the finalizer write and a status write follow an admission: no effect waits on the lock.
    const once = () => stepOnce(key, experiment, context);
    return admission ? admitting(once) : once();
  }

  async function stepOnce(key: string, experiment: Experiment, context: Overlay): Promise<StepResult> {
    const { written, signal } = context;
    const { namespace = 'default', name, resourceVersion = '' } = experiment.metadata;
    const plan = planExperiment(
      observeExperiment({
        experiment,
        view: options.view,
        controllerNamespace: options.controllerNamespace,
        activeExperiments: activeOthers(key, context),
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        now: options.now(),
      }),
    );

    if (plan.actions.some((a) => a.type === 'addFinalizer')) {
      const finalizers = [...(experiment.metadata.finalizers ?? []), experimentFinalizer];
      const result = await options.writer.setFinalizers({ namespace, name, resourceVersion, finalizers });
      const next = {
        ...experiment,
        metadata: { ...experiment.metadata, finalizers, resourceVersion: result.resourceVersion },
      };
      written.remember(key, resourceVersion, next);
      failpoint('experiment.after-finalizer');
      return { next };
    }

    if (plan.actions.length) failpoint('experiment.before-effects');
    const limit = plan.actions.every((a) => a.type === 'recover') ? recoveryConcurrency : concurrency;
    const outcomes = await perform(plan.actions, experiment, options, limit, signal);
    // Stopping: what the effects did is replayed by whoever reconciles next (they are idempotent, and
    // the records were written first); an aborted probe is not a failed one, so nothing is recorded.
    if (signal?.aborted) return { done: undefined };
    if (outcomes.length) failpoint('experiment.after-effects');
    const status = applyOutcomes(plan.status, outcomes);
    const result = await options.writer.writeStatus({
      namespace,
      name,
      resourceVersion,
      before: experiment.status,
      after: status,
    });
    let current = experiment;
    if (result) {
      current = {
        ...experiment,
        metadata: { ...experiment.metadata, resourceVersion: result.resourceVersion },
        status,
      };
      written.remember(key, resourceVersion, current);
      failpoint('experiment.after-status');
    }
    // Events are best effort and must not slow the run down: they are not awaited.
    for (const event of plan.events) {
      void options.events.record({
        target: {
          apiVersion,
          kind: 'ChaosExperiment',
          namespace,
          name,
          uid: experiment.metadata.uid,
          resourceVersion: current.metadata.resourceVersion,
        },
        ...event,
        now: options.now(),
      });
    }
    recordMetrics(options.metrics, status, plan.events);
    gauges.update(options.metrics, key, status);

    if (plan.actions.some((a) => a.type === 'removeFinalizer')) {
      const finalizers = (experiment.metadata.finalizers ?? []).filter((f) => f !== experimentFinalizer);
      await options.writer.setFinalizers({
        namespace,
        name,
        resourceVersion: current.metadata.resourceVersion ?? '',
        finalizers,
      });
      written.forget(key);
      gauges.update(options.metrics, key, undefined);
      return { done: undefined };
    }
    const retry = outcomes.find((o) => o.type !== 'probe' && !o.ok && o.retryable);
    if (retry && retry.type !== 'probe' && !retry.ok) {
      throw new TransientError(`${retry.type} of ${retry.recordKey} will be retried: ${retry.message}`);
    }
    if (plan.requeueAfterMs === 0) return { next: current };
    return {
      done:
        plan.requeueAfterMs === undefined ? undefined : { requeueAfter: Math.max(soon, plan.requeueAfterMs) },
    };
  }

  return async (key, context) => {
    let experiment = context.get(key);
    if (!experiment) {
      context.written.forget(key);
      return;
    }
    for (let steps = 0; steps < maxStepsPerReconcile; steps++) {
      const result = await step(key, experiment, context);
      if ('done' in result) return result.done;
      experiment = result.next;
    }
    return { requeueAfter: soon };
  };
}

async function perform(
  actions: readonly Action[],
  experiment: Experiment,
  options: ExperimentReconcilerOptions,
  concurrency: number,
  signal: AbortSignal | undefined,
): Promise<Outcome[]> {
  const work: (() => Promise<Outcome>)[] = [];
  for (const action of actions) {
    if (action.type === 'inject') work.push(() => options.executor.inject({ ...action, experiment, signal }));
    else if (action.type === 'recover') {
      // Recovery is never cut short: it runs to the end even while stopping.
      work.push(() => options.executor.recover({ ...action, experiment }));
    } else if (action.type === 'runProbes') {
      for (const probeName of action.names) {
        work.push(() => options.probes.run({ experiment, name: probeName, phase: action.phase, signal }));
      }
    }
  }
  return mapInOrder(work, concurrency, (run) =>
    run().finally(() => options.failpoint?.('experiment.after-an-action')),
  );
}

/** Per experiment: faults in place and whether recovery is stalled, summed into the gauges. */
class RunGauges {
  readonly #injected = new Map<string, number>();
  readonly #stalled = new Set<string>();

  update(
    metrics: ControllerMetrics | undefined,
    key: string,
    status: Experiment['status'] | undefined,
  ): void {
    if (!metrics) return;
    const injected = (status?.targets ?? []).filter((t) => t.state === 'injected').length;
    if (injected) this.#injected.set(key, injected);
    else this.#injected.delete(key);
    if (status?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True')) this.#stalled.add(key);
    else this.#stalled.delete(key);
    let total = 0;
    for (const count of this.#injected.values()) total += count;
    metrics.activeInjections.set(total);
    metrics.recoveriesStalled.set(this.#stalled.size);
  }
}

function recordMetrics(
  metrics: ControllerMetrics | undefined,
  status: Experiment['status'],
  events: { reason: string }[],
): void {
  if (!metrics || !status) return;
  const succeeded = status.conditions?.find((c) => c.type === 'Succeeded');
  const finished =
    succeeded && succeeded.status !== 'Unknown' && events.some((e) => e.reason === succeeded.reason);
  if (finished) {
    metrics.experimentsFinished.inc({ result: succeeded.status, reason: succeeded.reason });
    if (status.report?.timeToInjectSeconds !== undefined)
      metrics.timeToInject.observe(status.report.timeToInjectSeconds);
    if (status.report?.timeToRecoverSeconds !== undefined)
      metrics.timeToRecover.observe(status.report.timeToRecoverSeconds);
  }
}
