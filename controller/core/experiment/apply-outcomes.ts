// Folds what the edges did (injections, recoveries, probe runs) into the planned status.
import type { ChaosExperimentStatus } from '../../api/types.generated.ts';
import { recordProbeResult } from './probe-progress.ts';
import { type Outcome, recordKey } from './types.ts';

export function applyOutcomes(
  status: ChaosExperimentStatus,
  outcomes: readonly Outcome[],
): ChaosExperimentStatus {
  if (outcomes.length === 0) return status;
  const next = structuredClone(status);
  const byKey = new Map((next.targets ?? []).map((t) => [recordKey(t), t]));
  for (const outcome of outcomes) {
    if (outcome.type === 'probe') {
      next.probes = recordProbeResult(next.probes, {
        name: outcome.name,
        phase: outcome.phase,
        outcome: outcome.outcome,
        message: outcome.message,
        at: outcome.at,
      });
      continue;
    }
    const record = byKey.get(outcome.recordKey);
    if (!record) continue;
    const at = outcome.at.toISOString();
    if (outcome.type === 'inject') {
      if (outcome.ok) {
        record.state = 'injected';
        record.injectedAt = at;
        delete record.message;
      } else if (outcome.pending) {
        record.message = outcome.message.slice(0, 4096);
      } else if (!outcome.retryable) {
        record.state = 'failed';
        record.message = outcome.message.slice(0, 4096);
      } else {
        record.message = `will retry: ${outcome.message}`.slice(0, 4096);
      }
    } else if (outcome.ok) {
      record.state = 'recovered';
      record.recoveredAt = at;
      delete record.message;
    } else if (outcome.pending) {
      record.message = outcome.message.slice(0, 4096);
    } else {
      // A fault that could not be removed stays injected and is retried: recovery is never given up.
      record.message = `recovery failed, retrying: ${outcome.message}`.slice(0, 4096);
    }
  }
  return next;
}
