// Folds what the edges did (injections, recoveries, probe runs) into the planned status.

import { isPodFaultKind } from '../../api/contract.ts';
import type { ChaosExperimentStatus } from '../../api/types.generated.ts';
import { boundedMessage } from './agent-reports.ts';
import { recordProbeEvent, recordProbeResult } from './probe-progress.ts';
import { pruneRecordMessages } from './status-size.ts';
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
      const run = {
        name: outcome.name,
        phase: outcome.phase,
        outcome: outcome.outcome,
        message: outcome.message,
        at: outcome.at,
      };
      const previous = next.probes?.find((r) => r.name === run.name && r.phase === run.phase)?.outcome;
      const timeline = recordProbeEvent(next.probeTimeline, previous, run);
      if (timeline) next.probeTimeline = timeline;
      next.probes = recordProbeResult(next.probes, run);
      continue;
    }
    const record = byKey.get(outcome.recordKey);
    if (!record) continue;
    const at = outcome.at.toISOString();
    if (!outcome.ok) {
      // A fault that could not be removed stays as it is and is retried: recovery is never given up.
      if (outcome.type === 'inject' && !outcome.retryable) record.state = 'failed';
      const prefix = outcome.retryable || outcome.type === 'recover' ? 'will retry: ' : '';
      record.message = boundedMessage(`${prefix}${outcome.message}`);
    } else if (outcome.type === 'inject') {
      if (outcome.handedOver) {
        // The agent reports through the ChaosInjection; the record stays pending until it does.
        record.injection = outcome.handedOver;
      } else {
        record.state = 'injected';
        record.injectedAt = at;
        delete record.message;
      }
    } else if (outcome.gone) {
      if (record.state !== 'failed') {
        record.state = 'recovered';
        // A one-shot pod fault has nothing to undo, so no recovery time (status-size.ts counts on it).
        if (!isPodFaultKind(record.faultKind ?? '')) record.recoveredAt = record.recoveredAt ?? at;
        delete record.message;
      }
      delete record.injection;
    }
  }
  pruneRecordMessages(next.targets);
  return next;
}
