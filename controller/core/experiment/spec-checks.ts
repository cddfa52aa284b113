// Checks beyond the schema that need computation: durations in range, names unique.
// The schema has already been enforced by the API server (or by `chaoscraft validate`).
import type { ChaosExperimentSpec } from '../../api/types.generated.ts';
import { parseDuration } from '../duration.ts';
import { supportedPodFields } from '../pod-candidates.ts';
import { namedFaults } from './faults.ts';

export const maxExperimentDurationMs = 24 * 3_600_000;

export function checkSpec(spec: ChaosExperimentSpec): string[] {
  const problems: string[] = [];
  const duration = tryDuration(spec.duration, 'spec.duration', problems);
  if (duration !== undefined && (duration < 1000 || duration > maxExperimentDurationMs)) {
    problems.push(`spec.duration must be between 1s and 24h, not ${spec.duration}`);
  }
  for (const field of Object.keys(spec.selector.fieldSelector ?? {})) {
    if (!supportedPodFields.includes(field)) {
      problems.push(
        `spec.selector.fieldSelector: "${field}" is not supported; use ${supportedPodFields.join(', ')}`,
      );
    }
  }
  const faultNames = namedFaults(spec).map((f) => f.name);
  for (const name of duplicates(faultNames)) problems.push(`fault name "${name}" is used twice`);
  const probes = spec.hypothesis?.probes ?? [];
  for (const name of duplicates(probes.map((p) => p.name)))
    problems.push(`probe name "${name}" is used twice`);
  probes.forEach((probe, i) => {
    for (const field of ['interval', 'timeout'] as const) {
      if (probe[field]) tryDuration(probe[field], `spec.hypothesis.probes[${i}].${field}`, problems);
    }
  });
  spec.faults.forEach((fault, i) => {
    for (const field of ['latency', 'jitter'] as const) {
      const value = fault.networkLatency?.[field];
      if (value) tryDuration(value, `spec.faults[${i}].networkLatency.${field}`, problems);
    }
  });
  return problems;
}

function tryDuration(text: string, field: string, problems: string[]): number | undefined {
  try {
    return parseDuration(text);
  } catch (error) {
    problems.push(`${field}: ${(error as Error).message}`);
    return undefined;
  }
}

function duplicates(names: string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}
