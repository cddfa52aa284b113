/** cpuStress: stress-ng CPU workers at a given load, inside the target's cgroup (so its limits apply). */
import type { Fault } from './fault.ts';
import type { CpuStressParams, FaultParamsByKind } from './params.ts';
import { createStressFault } from './stress.ts';

export function cpuStressArgs(params: CpuStressParams): string[] {
  return ['--cpu', String(params.workers), '--cpu-load', String(params.load), '--quiet'];
}

export function createCpuStressFault(): Fault<FaultParamsByKind['cpuStress']> {
  return createStressFault({ kind: 'cpuStress', stressArgs: cpuStressArgs });
}
