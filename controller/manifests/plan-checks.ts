// The checks a PR plan and the controller make beyond the schema (durations in range, cron fields,
// time zones, names used twice), run by validate through the very same functions, so a manifest
// that validates is never refused later as an invalid spec. Only on a schema-valid object.

import type { ChaosExperimentSpec } from '../api/types.generated.ts';
import { parseDuration } from '../core/duration.ts';
import { specIssues } from '../core/experiment/spec-checks.ts';
import { checkSchedule, ScheduleError } from '../core/schedule-times.ts';

export interface PlanIssue {
  path: (string | number)[];
  message: string;
}

type Path = (string | number)[];

function experimentIssues(spec: ChaosExperimentSpec, at: Path): PlanIssue[] {
  return specIssues(spec).map((issue) => ({ path: [...at, ...issue.path], message: issue.message }));
}

function scheduleIssues(schedule: string, timeZone: string | undefined, at: Path): PlanIssue[] {
  try {
    checkSchedule({ schedule, timeZone });
    return [];
  } catch (error) {
    if (error instanceof ScheduleError) return [{ path: [...at, error.field], message: error.reason }];
    return [{ path: [...at, 'schedule'], message: (error as Error).message }];
  }
}

/** What the planner and the controller would refuse in a schema-valid object of ours. */
export function planIssues(kind: string, object: Record<string, unknown>): PlanIssue[] {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return [];
  if (kind === 'ChaosExperiment') return experimentIssues(spec as unknown as ChaosExperimentSpec, ['spec']);
  if (kind === 'ChaosSchedule') {
    const template = (spec.template as { spec: ChaosExperimentSpec }).spec;
    return [
      ...scheduleIssues(spec.schedule as string, spec.timeZone as string | undefined, ['spec']),
      ...experimentIssues(template, ['spec', 'template', 'spec']),
    ];
  }
  if (kind === 'ChaosPolicy') {
    const windows = (spec.blackoutWindows ?? []) as {
      schedule: string;
      timeZone?: string;
      duration: string;
    }[];
    return windows.flatMap((window, index) => {
      const at = ['spec', 'blackoutWindows', index];
      const issues = scheduleIssues(window.schedule, window.timeZone, at);
      try {
        parseDuration(window.duration);
      } catch (error) {
        issues.push({ path: [...at, 'duration'], message: (error as Error).message });
      }
      return issues;
    });
  }
  return [];
}

/**
 * Numbers YAML reads as infinite (`1e309`, `.inf`) or not a number (`.nan`): no field takes them,
 * and a schema error about them reads oddly ("must be an integer, not a number"). Found by the
 * screen's walk (screen.ts `screenValues`).
 */
export function nonFiniteIssues(found: readonly { path: Path; nan: boolean }[]): PlanIssue[] {
  return found.map(({ path, nan }) => ({
    path,
    message: nan
      ? 'is not a number (.nan); write a number'
      : 'is too large to be a number (it reads as infinity); write a number that fits',
  }));
}
