// Where an experiment's run stands, read from its status alone. One definition for the lifecycle,
// the caches (which experiments count towards maxConcurrentExperiments) and the observers.
import type { ChaosExperimentStatus } from '../../api/types.generated.ts';
import { findCondition } from '../conditions.ts';

/** `Succeeded=Unknown` reasons of a run that was admitted and has not finished: it may hold faults. */
export const runningReasons: ReadonlySet<string> = new Set([
  'WaitingForHypothesis',
  'Injecting',
  'Running',
  'Recovering',
]);

/**
 * `Succeeded=Unknown` reasons of a run held back by a temporary guardrail (core/policy.ts
 * temporaryGuardrails): nothing recorded, nothing injected, admission is tried again.
 */
export const waitingReasons = {
  suspend: 'Suspended',
  blackout: 'BlackoutWindow',
  'max-concurrent': 'ConcurrencyLimit',
} as const;

const waitingReasonSet: ReadonlySet<string> = new Set(Object.values(waitingReasons));

export type RunState =
  /** No run for this generation yet. */
  | 'new'
  /** Held back by a temporary guardrail; admission is tried again. */
  | 'waiting'
  /** Admitted and not finished. */
  | 'running'
  /** Finished for this generation. */
  | 'finished';

export function runStateOf(experiment: {
  metadata: { generation?: number };
  status?: ChaosExperimentStatus;
}): RunState {
  const succeeded = findCondition(experiment.status?.conditions, 'Succeeded');
  if (succeeded?.status === 'Unknown' && runningReasons.has(succeeded.reason)) return 'running';
  // A run whose generation is not this one's ended (or never started) for the old spec.
  if (!succeeded || experiment.status?.observedGeneration !== experiment.metadata.generation) return 'new';
  if (succeeded.status === 'Unknown' && waitingReasonSet.has(succeeded.reason)) return 'waiting';
  return 'finished';
}
