// Checks beyond the schema that need computation: durations in range, names unique.
// The schema has already been enforced by the API server (or by `chaoscraft validate`).
import type { ChaosExperimentSpec } from '../../api/types.generated.ts';
import { parseDuration } from '../duration.ts';
import { supportedPodFields } from '../pod-candidates.ts';
import { namedFaults } from './faults.ts';

export const maxExperimentDurationMs = 24 * 3_600_000;

/** One problem: the field (path segments from the spec) and a sentence that does not repeat it. */
export interface SpecIssue {
  path: (string | number)[];
  message: string;
  /** The whole sentence, naming the field, as admission reports it. */
  text: string;
}

export function checkSpec(spec: ChaosExperimentSpec): string[] {
  return specIssues(spec).map((issue) => issue.text);
}

/** The checks of checkSpec with the field each one is about, for reports that point at a line. */
export function specIssues(spec: ChaosExperimentSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const add = (path: (string | number)[], message: string, text: string) =>
    issues.push({ path, message, text });
  const duration = tryDuration(spec.duration, ['duration'], 'spec.duration', issues);
  if (duration !== undefined && (duration < 1000 || duration > maxExperimentDurationMs)) {
    add(
      ['duration'],
      `must be between 1s and 24h, not ${spec.duration}`,
      `spec.duration must be between 1s and 24h, not ${spec.duration}`,
    );
  }
  for (const field of Object.keys(spec.selector.fieldSelector ?? {})) {
    if (!supportedPodFields.includes(field)) {
      const message = `"${field}" is not supported; use ${supportedPodFields.join(', ')}`;
      add(['selector', 'fieldSelector', field], message, `spec.selector.fieldSelector: ${message}`);
    }
  }
  const faults = namedFaults(spec);
  for (const name of duplicates(faults.map((f) => f.name))) {
    const index = faults.findLastIndex((f) => f.name === name);
    add(['faults', index], `fault name "${name}" is used twice`, `fault name "${name}" is used twice`);
  }
  const probes = spec.hypothesis?.probes ?? [];
  for (const name of duplicates(probes.map((p) => p.name))) {
    const index = probes.findLastIndex((p) => p.name === name);
    add(
      ['hypothesis', 'probes', index, 'name'],
      `probe name "${name}" is used twice`,
      `probe name "${name}" is used twice`,
    );
  }
  probes.forEach((probe, i) => {
    for (const field of ['interval', 'timeout'] as const) {
      if (probe[field])
        tryDuration(
          probe[field],
          ['hypothesis', 'probes', i, field],
          `spec.hypothesis.probes[${i}].${field}`,
          issues,
        );
    }
  });
  spec.faults.forEach((fault, i) => {
    for (const field of ['latency', 'jitter'] as const) {
      const value = fault.networkLatency?.[field];
      if (value)
        tryDuration(
          value,
          ['faults', i, 'networkLatency', field],
          `spec.faults[${i}].networkLatency.${field}`,
          issues,
        );
    }
  });
  return issues;
}

function tryDuration(
  text: string,
  path: (string | number)[],
  field: string,
  issues: SpecIssue[],
): number | undefined {
  try {
    return parseDuration(text);
  } catch (error) {
    const message = (error as Error).message;
    issues.push({ path, message, text: `${field}: ${message}` });
    return undefined;
  }
}

function duplicates(names: string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}
