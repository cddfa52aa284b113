// The one-line summary of a plan, e.g. "3 experiments: 2 would run, 1 denied by policy".
import type { Diagnostic } from '../../controller/manifests/diagnostic.ts';
import { plural } from './markdown.ts';
import type { ObjectVerdict, PlannedObject } from './plan-objects.ts';

const runVerdicts: [ObjectVerdict, string][] = [
  ['would-run', 'would run'],
  ['planned-offline', 'planned from Git only'],
  ['no-targets', 'match no pods now'],
  ['suspended', 'suspended'],
  ['denied', 'denied by policy'],
  ['invalid', 'invalid'],
];

export function summarize(options: {
  objects: readonly PlannedObject[];
  fileDiagnostics: readonly Diagnostic[];
}): string {
  const parts: string[] = [];
  for (const [kind, noun] of [
    ['ChaosExperiment', 'experiment'],
    ['ChaosSchedule', 'schedule'],
  ] as const) {
    const mine = options.objects.filter((o) => o.change.kind === kind);
    const counts = runVerdicts
      .map(([verdict, words]) => [mine.filter((o) => o.verdict === verdict).length, words] as const)
      .filter(([count]) => count > 0);
    const total = counts.reduce((sum, [count]) => sum + count, 0);
    if (total)
      parts.push(`${plural(total, noun)}: ${counts.map(([count, words]) => `${count} ${words}`).join(', ')}`);
    const stopping = mine.filter((o) => o.verdict === 'will-stop').length;
    if (stopping) parts.push(`${plural(stopping, noun)} will stop`);
  }
  for (const verdict of [
    ['policy-loosened', 'loosens guardrails (review)', 'loosen guardrails (review)'],
    ['policy-added', 'added', 'added'],
    ['policy-changed', 'changed', 'changed'],
    ['policy-removed', 'removed', 'removed'],
  ] as const) {
    const count = options.objects.filter((o) => o.verdict === verdict[0]).length;
    if (count) parts.push(`${plural(count, 'policy', 'policies')} ${count === 1 ? verdict[1] : verdict[2]}`);
  }
  const invalidPolicies = options.objects.filter(
    (o) => o.change.kind === 'ChaosPolicy' && o.verdict === 'invalid',
  );
  if (invalidPolicies.length) parts.push(`${plural(invalidPolicies.length, 'policy', 'policies')} invalid`);
  const otherInvalid = options.objects.filter(
    (o) =>
      o.verdict === 'invalid' && !['ChaosExperiment', 'ChaosSchedule', 'ChaosPolicy'].includes(o.change.kind),
  ).length;
  if (otherInvalid) parts.push(`${plural(otherInvalid, 'other manifest')} invalid`);
  const badFiles = new Set(options.fileDiagnostics.filter((d) => d.severity === 'error').map((d) => d.file))
    .size;
  if (badFiles) parts.push(`${plural(badFiles, 'file')} with errors`);
  return parts.length ? parts.join('; ') : 'no ChaosCraft changes to plan';
}
