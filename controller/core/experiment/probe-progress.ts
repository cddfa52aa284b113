// Probe bookkeeping for one run, kept in status.probes: the latest result per probe and phase,
// with the count of failures in a row. Error (could not check) counts as a failure: a hypothesis
// that cannot be checked does not hold.
import type { Probe, ProbeEvent, ProbeResult } from '../../api/types.generated.ts';
import { parseDuration } from '../duration.ts';
import type { ProbePhase } from './types.ts';

const defaultIntervalMs = 10_000;

export function probesIn(probes: readonly Probe[] | undefined, phase: ProbePhase): Probe[] {
  return (probes ?? []).filter((p) => (p.when ?? ['before', 'during', 'after']).includes(phase));
}

function latest(results: readonly ProbeResult[] | undefined, name: string, phase: ProbePhase) {
  return results?.find((r) => r.name === name && r.phase === phase);
}

function isBroken(probe: Probe, result: ProbeResult | undefined): boolean {
  return (
    !!result &&
    result.outcome !== 'Passed' &&
    (result.consecutiveFailures ?? 1) >= (probe.failureThreshold ?? 1)
  );
}

export interface ProbeSchedule {
  due: string[];
  /** When the next probe of this phase falls due, if any is still to run. */
  nextDueInMs?: number;
}

/**
 * Before and after the faults a probe runs until it passes or has failed `failureThreshold`
 * times in a row (waiting for the steady state); during the faults it runs every `interval`.
 */
export function dueProbes(options: {
  probes: readonly Probe[] | undefined;
  phase: ProbePhase;
  results: readonly ProbeResult[] | undefined;
  now: Date;
}): ProbeSchedule {
  const due: string[] = [];
  let nextDueInMs: number | undefined;
  for (const probe of probesIn(options.probes, options.phase)) {
    const result = latest(options.results, probe.name, options.phase);
    if (!result) {
      due.push(probe.name);
      continue;
    }
    const settled = options.phase !== 'during' && (result.outcome === 'Passed' || isBroken(probe, result));
    if (settled) continue;
    const interval = probe.interval ? parseDuration(probe.interval) : defaultIntervalMs;
    const waited = options.now.getTime() - Date.parse(result.time);
    if (waited >= interval) due.push(probe.name);
    else nextDueInMs = Math.min(nextDueInMs ?? Number.POSITIVE_INFINITY, interval - waited);
  }
  return { due, nextDueInMs };
}

export interface ProbeVerdict {
  /** No probe of the phase has broken the hypothesis. */
  holds: boolean;
  broken: { name: string; message: string }[];
  /** Before/after: every probe of the phase has passed or broken, so the phase is over. */
  settled: boolean;
}

export function assessProbes(options: {
  probes: readonly Probe[] | undefined;
  phase: ProbePhase;
  results: readonly ProbeResult[] | undefined;
}): ProbeVerdict {
  const broken: ProbeVerdict['broken'] = [];
  let settled = true;
  for (const probe of probesIn(options.probes, options.phase)) {
    const result = latest(options.results, probe.name, options.phase);
    if (isBroken(probe, result)) {
      broken.push({ name: probe.name, message: result!.message ?? result!.outcome });
    } else if (result?.outcome !== 'Passed') {
      settled = false;
    }
  }
  return { holds: broken.length === 0, broken, settled };
}

/** Entries the timeline keeps; the oldest go first. */
export const maxTimelineEvents = 64;

/** Appends an entry when a probe in a phase first runs or changes outcome (bounded). */
export function recordProbeEvent(
  timeline: readonly ProbeEvent[] | undefined,
  previous: ProbeResult['outcome'] | undefined,
  run: { name: string; phase: ProbePhase; outcome: ProbeResult['outcome']; message: string; at: Date },
): ProbeEvent[] | undefined {
  if (previous === run.outcome) return timeline ? [...timeline] : undefined;
  const event: ProbeEvent = {
    name: run.name,
    phase: run.phase,
    outcome: run.outcome,
    time: run.at.toISOString(),
    ...(run.message ? { message: run.message.slice(0, 256) } : {}),
  };
  return [...(timeline ?? []), event].slice(-maxTimelineEvents);
}

/** Folds one probe run into the results. */
export function recordProbeResult(
  results: readonly ProbeResult[] | undefined,
  run: { name: string; phase: ProbePhase; outcome: ProbeResult['outcome']; message: string; at: Date },
): ProbeResult[] {
  const list = [...(results ?? [])];
  const index = list.findIndex((r) => r.name === run.name && r.phase === run.phase);
  const previous = index === -1 ? undefined : list[index];
  const failures = run.outcome === 'Passed' ? 0 : (previous?.consecutiveFailures ?? 0) + 1;
  const next: ProbeResult = {
    name: run.name,
    phase: run.phase,
    outcome: run.outcome,
    time: run.at.toISOString(),
    consecutiveFailures: failures,
    message: run.message.slice(0, 1024),
  };
  if (index === -1) list.push(next);
  else list[index] = next;
  return list;
}
