/**
 * ChaosSchedules in standalone mode: the cluster's schedule decisions (core/schedule/planSchedule, with
 * CronJob semantics and the guardrails) stepped against the runs this runner keeps. A run a schedule
 * creates is a ChaosExperiment run like any other, owned by the schedule: it is not removed when its name
 * is missing from the repository, only when the schedule deletes it (history limits, Replace, or the
 * schedule leaving the repository, which first recovers every fault of its runs).
 */
import { createHash, randomUUID } from 'node:crypto';
import { optInLabel, scheduleFinalizer } from '../api/contract.ts';
import type { ChaosPolicySpec, ChaosScheduleSpec, ChaosScheduleStatus } from '../api/types.generated.ts';
import { planSchedule } from '../core/schedule/plan-schedule.ts';
import type { ObservedRun } from '../core/schedule/types.ts';
import type { RunState, StandaloneState } from './state-store.ts';

export interface ScheduleState {
  key: string;
  uid: string;
  generation: number;
  specHash: string;
  spec: ChaosScheduleSpec;
  namespace: string;
  name: string;
  revision?: string;
  /** When the runner first read it: no fire time before this one is ever due. */
  createdAt: string;
  finalizers: string[];
  deleting?: string;
  status: ChaosScheduleStatus;
}

export function specHash(spec: unknown): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** Adds or updates a schedule read from the repository at `revision`. */
export function syncSchedule(
  state: StandaloneState,
  manifest: { namespace: string; name: string; spec: ChaosScheduleSpec },
  revision: string,
  now: Date,
): void {
  state.schedules ??= {};
  const schedules = state.schedules;
  const key = `${manifest.namespace}/${manifest.name}`;
  const hash = specHash(manifest.spec);
  const known = schedules[key];
  if (!known) {
    schedules[key] = {
      key,
      uid: randomUUID(),
      generation: 1,
      specHash: hash,
      spec: manifest.spec,
      namespace: manifest.namespace,
      name: manifest.name,
      revision,
      createdAt: now.toISOString(),
      finalizers: [],
      status: {},
    };
  } else if (known.specHash !== hash || known.deleting) {
    if (known.specHash !== hash) known.generation += 1;
    known.specHash = hash;
    known.spec = manifest.spec;
    known.revision = revision;
    delete known.deleting;
  }
}

function observedRun(run: RunState): ObservedRun {
  return {
    metadata: {
      name: run.name,
      uid: run.uid,
      generation: run.generation,
      ...(run.createdAt ? { creationTimestamp: run.createdAt } : {}),
      ...(run.deleting ? { deletionTimestamp: run.deleting } : {}),
      ...(run.annotations ? { annotations: run.annotations } : {}),
    },
    status: run.status,
  };
}

/**
 * One step of one schedule. Returns when to look again (ms; undefined: at the next poll) and whether
 * the schedule is gone for good.
 */
export function stepSchedule(options: {
  schedule: ScheduleState;
  state: StandaloneState;
  policies: readonly { name: string; spec: ChaosPolicySpec }[];
  now: Date;
  say: (text: string) => void;
}): { requeueAfterMs: number | undefined; forget: boolean } {
  const { schedule, state, now } = options;
  const owned = Object.values(state.runs).filter((run) => run.owner === schedule.uid);
  const plan = planSchedule({
    schedule: {
      apiVersion: 'chaoscraft.io/v1alpha1',
      kind: 'ChaosSchedule',
      metadata: {
        name: schedule.name,
        namespace: schedule.namespace,
        uid: schedule.uid,
        generation: schedule.generation,
        creationTimestamp: schedule.createdAt,
        finalizers: schedule.finalizers,
        ...(schedule.deleting ? { deletionTimestamp: schedule.deleting } : {}),
      },
      spec: schedule.spec,
      status: schedule.status,
    },
    runs: owned.map(observedRun),
    policy: {
      policies: options.policies,
      namespaceLabels: { [schedule.namespace]: { [optInLabel]: 'true' } },
      controllerNamespace: 'chaoscraft-system',
    },
    ...(schedule.revision ? { revision: schedule.revision } : {}),
    mode: 'standalone',
    now,
  });
  for (const action of plan.actions) {
    if (action.type === 'addFinalizer') schedule.finalizers = [scheduleFinalizer];
    else if (action.type === 'removeFinalizer') schedule.finalizers = [];
    else if (action.type === 'createRun') {
      const { metadata, spec } = action.run;
      const key = `${metadata.namespace}/${metadata.name}`;
      if (state.runs[key]) continue;
      state.runs[key] = {
        key,
        uid: randomUUID(),
        generation: 1,
        specHash: specHash(spec),
        spec,
        namespace: metadata.namespace,
        name: metadata.name,
        ...(schedule.revision ? { revision: schedule.revision } : {}),
        finalizers: [],
        status: {},
        attempts: {},
        owner: schedule.uid,
        ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
        createdAt: now.toISOString(),
      };
      options.say(`${schedule.key}  started run ${key} for ${action.scheduledTime.toISOString()}`);
    } else {
      const run = owned.find((r) => r.name === action.name);
      if (run && !run.deleting) run.deleting = now.toISOString();
    }
  }
  schedule.status = plan.status;
  return {
    requeueAfterMs: plan.requeueAfterMs,
    forget: Boolean(schedule.deleting) && schedule.finalizers.length === 0,
  };
}
