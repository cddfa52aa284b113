// Check-run annotations: every finding anchored to the YAML line it is about. Removed files get
// none (GitHub can only annotate files that exist in the head).
import type { Diagnostic } from '../../controller/manifests/diagnostic.ts';
import { locationOf, type PlannedObject } from './plan-objects.ts';
import type { PlanAnnotation } from './types.ts';

export function diagnosticAnnotation(d: Diagnostic): PlanAnnotation {
  const startLine = Math.max(1, d.line);
  return {
    path: d.file,
    startLine,
    endLine: Math.max(startLine, d.endLine ?? startLine),
    level: d.severity === 'error' ? 'failure' : d.severity === 'warning' ? 'warning' : 'notice',
    title: `chaoscraft: ${d.code}`,
    message: d.field ? `${d.field}: ${d.message}` : d.message,
  };
}

export function planAnnotations(options: {
  objects: readonly PlannedObject[];
  diagnostics: readonly Diagnostic[];
}): PlanAnnotation[] {
  const annotations = options.diagnostics.map(diagnosticAnnotation);
  for (const planned of options.objects) {
    if (!planned.change.head) continue;
    const { file, line } = locationOf(planned.change);
    const at = (level: PlanAnnotation['level'], title: string, message: string): PlanAnnotation => ({
      path: file,
      startLine: Math.max(1, line),
      endLine: Math.max(1, line),
      level,
      title,
      message: `${planned.change.kind} ${planned.change.name}: ${message}`,
    });
    const experiment = planned.experiment ?? planned.schedule?.template;
    if (planned.schedule?.scheduleProblem) {
      annotations.push(at('failure', 'chaoscraft: invalid schedule', planned.schedule.scheduleProblem));
    }
    for (const problem of experiment?.specProblems ?? []) {
      annotations.push(at('failure', 'chaoscraft: invalid spec', problem));
    }
    for (const verdict of experiment?.verdicts ?? []) {
      if (verdict.status === 'deny') {
        annotations.push(at('failure', `chaoscraft policy: ${verdict.guardrail}`, verdict.message));
      } else if (verdict.status === 'waits') {
        annotations.push(at('warning', `chaoscraft policy: ${verdict.guardrail}`, verdict.message));
      }
    }
    if (experiment?.refusal?.reason === 'PolicyDenied') {
      annotations.push(at('failure', 'chaoscraft policy: refused', experiment.refusal.message));
    }
    if (planned.verdict === 'no-targets') {
      annotations.push(
        at('warning', 'chaoscraft: no targets', 'no running pod matches the selector right now'),
      );
    }
    for (const fire of planned.schedule?.fireTimes ?? []) {
      if (fire.blackout) {
        annotations.push(
          at(
            'warning',
            'chaoscraft policy: blackout',
            fire.delayedUntil
              ? `the run at ${fire.at.toISOString()} would start late, at ${fire.delayedUntil.toISOString()}: ${fire.blackout}`
              : `the run at ${fire.at.toISOString()} would be skipped: ${fire.blackout}`,
          ),
        );
      }
    }
    for (const loosening of planned.loosens ?? []) {
      annotations.push(at('warning', 'chaoscraft: loosens guardrails', loosening));
    }
    if (planned.verdict === 'policy-added' || planned.verdict === 'policy-changed') {
      annotations.push(
        at(
          'notice',
          'chaoscraft: policy change',
          'this PR plans every experiment with this version of the policy',
        ),
      );
    }
  }
  return annotations;
}
