// A schedule and the runs it owns, advanced by a controlled clock: each reconcile calls the pure
// planSchedule and applies its actions the way the API server would (created runs appear, deleted
// runs keep their finalizer until the test lets them finish recovering).
import { scheduleFinalizer } from '../../../../controller/api/contract.ts';
import type { ChaosPolicySpec, ChaosScheduleSpec } from '../../../../controller/api/types.generated.ts';
import { planSchedule } from '../../../../controller/core/schedule/plan-schedule.ts';
import type {
  ObservedRun,
  ObservedSchedule,
  ScheduleObject,
  SchedulePlan,
} from '../../../../controller/core/schedule/types.ts';

export const template: ChaosScheduleSpec['template'] = {
  metadata: { labels: { team: 'shop' } },
  spec: {
    selector: { labelSelector: { matchLabels: { app: 'checkout' } } },
    faults: [{ podKill: {} }],
    duration: '30s',
  },
};

export class ScheduleWorld {
  now: Date;
  schedule: ScheduleObject;
  runs: ObservedRun[] = [];
  policies: { name: string; spec: ChaosPolicySpec }[] = [];
  revision: string | undefined;
  readonly plans: SchedulePlan[] = [];
  /** Every run ever created, by name, in order. */
  readonly created: string[] = [];
  #uid = 0;

  constructor(options: {
    spec: Partial<ChaosScheduleSpec>;
    created: string;
    name?: string;
    finalizer?: boolean;
  }) {
    this.now = new Date(options.created);
    this.schedule = {
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosSchedule',
      metadata: {
        name: options.name ?? 'nightly',
        namespace: 'shop',
        uid: 'schedule-uid',
        generation: 1,
        creationTimestamp: options.created,
        ...(options.finalizer === false ? {} : { finalizers: [scheduleFinalizer] }),
      },
      spec: { schedule: '* * * * *', template, ...options.spec },
    };
  }

  observe(): ObservedSchedule {
    return {
      schedule: this.schedule,
      runs: this.runs,
      policy: {
        policies: this.policies,
        namespaceLabels: { shop: { 'chaoscraft.io/allow': 'true' } },
        controllerNamespace: 'chaoscraft-system',
      },
      ...(this.revision ? { revision: this.revision } : {}),
      now: this.now,
    };
  }

  /** One reconcile: plan, then the effects and the status write. */
  reconcile(): SchedulePlan {
    const plan = planSchedule(this.observe());
    this.plans.push(plan);
    for (const action of plan.actions) {
      if (action.type === 'addFinalizer') this.schedule.metadata.finalizers = [scheduleFinalizer];
      else if (action.type === 'removeFinalizer') this.schedule.metadata.finalizers = [];
      else if (action.type === 'createRun') {
        if (this.runs.some((r) => r.metadata.name === action.run.metadata.name))
          throw new Error('AlreadyExists');
        this.created.push(action.run.metadata.name);
        this.runs.push({
          metadata: {
            name: action.run.metadata.name,
            uid: `run-${++this.#uid}`,
            generation: 1,
            creationTimestamp: this.now.toISOString(),
            annotations: action.run.metadata.annotations,
          },
        });
      } else if (action.type === 'deleteRun') {
        const run = this.run(action.name);
        // A finished run has nothing to recover and goes at once; an active one recovers first.
        if (this.outcome(run) !== 'active') this.runs = this.runs.filter((r) => r !== run);
        else run.metadata.deletionTimestamp = this.now.toISOString();
      }
    }
    this.schedule = { ...this.schedule, status: plan.status };
    return plan;
  }

  /** Advance the clock, reconciling at every requeue the plans ask for on the way (the controller's timer). */
  runUntil(time: string, onReconcile?: (plan: SchedulePlan) => void): void {
    const end = new Date(time).getTime();
    for (let guard = 0; guard < 100_000; guard++) {
      const plan = this.reconcile();
      onReconcile?.(plan);
      const wait = plan.requeueAfterMs;
      if (wait === undefined || this.now.getTime() + Math.max(wait, 1) > end) {
        this.now = new Date(end);
        return;
      }
      this.now = new Date(this.now.getTime() + Math.max(wait, 1));
    }
    throw new Error('runUntil did not reach its end');
  }

  run(name: string): ObservedRun {
    const run = this.runs.find((r) => r.metadata.name === name);
    if (!run) throw new Error(`no run ${name}`);
    return run;
  }

  outcome(run: ObservedRun): 'active' | 'finished' {
    return run.status?.conditions?.some((c) => c.type === 'Succeeded' && c.status !== 'Unknown')
      ? 'finished'
      : 'active';
  }

  /** The run's controller ends it: Succeeded True (passed) or False (failed). */
  finish(name: string, passed = true): void {
    const run = this.run(name);
    run.status = {
      observedGeneration: 1,
      completionTime: this.now.toISOString(),
      conditions: [
        {
          type: 'Succeeded',
          status: passed ? 'True' : 'False',
          reason: passed ? 'Completed' : 'HypothesisFailed',
          message: '',
          lastTransitionTime: this.now.toISOString(),
        },
      ],
    };
    // A run being deleted goes once it has recovered.
    if (run.metadata.deletionTimestamp) this.runs = this.runs.filter((r) => r !== run);
  }

  /** Runs that have started and not finished, as the schedule would count them. */
  activeRuns(): string[] {
    return this.runs.filter((r) => this.outcome(r) === 'active').map((r) => r.metadata.name);
  }

  events(): string[] {
    return this.plans.flatMap((p) => p.events.map((e) => `${e.reason}: ${e.message}`));
  }

  condition(type: string) {
    return this.schedule.status?.conditions?.find((c) => c.type === type);
  }

  edit(spec: Partial<ChaosScheduleSpec>): void {
    const generation = this.schedule.metadata.generation + 1;
    this.schedule = {
      ...this.schedule,
      metadata: {
        ...this.schedule.metadata,
        generation,
        managedFields: [{ time: this.now.toISOString(), fieldsV1: { 'f:spec': {} } }],
      },
      spec: { ...this.schedule.spec, ...spec },
    };
  }
}

/** A run's fire time as its name says it (Unix seconds), for readable assertions. */
export function fireTimeOf(name: string): string {
  return new Date(Number(name.slice(name.lastIndexOf('-') + 1)) * 1000).toISOString();
}
