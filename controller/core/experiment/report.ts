// The run summary written to status.report and, later, to the pull request.
import type { ChaosExperimentStatus, RunReport } from '../../api/types.generated.ts';
import { findCondition } from '../conditions.ts';
import { formatDuration } from '../duration.ts';

export function summarize(status: ChaosExperimentStatus, now: Date): RunReport {
  const targets = status.targets ?? [];
  const hit = new Set(targets.filter((t) => t.injectedAt).map((t) => `${t.namespace ?? ''}/${t.name}`)).size;
  const start = status.startTime ? Date.parse(status.startTime) : undefined;
  const injectedTimes = targets
    .map((t) => t.injectedAt)
    .filter(Boolean)
    .map((t) => Date.parse(t!));
  const recoveredTimes = targets
    .map((t) => t.recoveredAt)
    .filter(Boolean)
    .map((t) => Date.parse(t!));
  const recoveringSince = status.recoveryStartTime ? Date.parse(status.recoveryStartTime) : undefined;
  const report: RunReport = { targetsHit: hit };
  // Agents stamp injectedAt with their node's clock: one behind the controller's must not make the
  // figure negative, which the schema refuses (the run's status could never be written again).
  if (start !== undefined && injectedTimes.length)
    report.timeToInjectSeconds = Math.max(0, (Math.max(...injectedTimes) - start) / 1000);
  if (recoveringSince !== undefined && recoveredTimes.length) {
    report.timeToRecoverSeconds = Math.max(0, (Math.max(...recoveredTimes) - recoveringSince) / 1000);
  }
  const hypothesis = findCondition(status.conditions, 'HypothesisHolds');
  const took = start !== undefined ? ` in ${formatDuration(now.getTime() - start)}` : '';
  if (status.dryRun) {
    report.verdict = 'DryRun';
    report.summary = `dry run: ${targets.length} target record(s) would be hit; nothing was injected`;
  } else if (status.abort) {
    report.verdict = 'Aborted';
    report.summary = `aborted: ${status.abort.message}; ${hit} target(s) were hit and recovered`;
  } else if (findCondition(status.conditions, 'Injected')?.reason === 'InjectionFailed') {
    report.verdict = 'Failed';
    report.summary = `no fault could be injected: ${findCondition(status.conditions, 'Injected')!.message}`;
  } else if (hypothesis?.status === 'False') {
    report.verdict = 'Failed';
    report.summary = `the hypothesis did not hold: ${hypothesis.message}; ${hit} target(s) hit and recovered${took}`;
  } else {
    report.verdict = 'Passed';
    report.summary = `${hit} target(s) hit and recovered${took}; the hypothesis held`;
  }
  return report;
}
