/** cpuStress: stress-ng CPU workers at a given load, inside the target's cgroup (so its limits apply). */
import { checkInteger, isRecord, unknownKeys } from './checks.ts';
import type { ValidationIssue } from './errors.ts';
import type { Fault } from './fault.ts';
import type { CpuStressParams } from './params.ts';
import { createStressFault } from './stress.ts';

export function validateCpuStress(params: unknown): ValidationIssue[] {
  if (!isRecord(params)) return [{ path: '', message: 'must be an object' }];
  return [
    ...unknownKeys(params, ['workers', 'load']),
    ...checkInteger({ value: params.workers, path: '/workers', min: 1, max: 64, required: true }),
    ...checkInteger({ value: params.load, path: '/load', min: 1, max: 100, required: true }),
  ];
}

export function cpuStressArgs(params: CpuStressParams): string[] {
  return ['--cpu', String(params.workers), '--cpu-load', String(params.load), '--quiet'];
}

export function createCpuStressFault(): Fault<CpuStressParams> {
  return createStressFault<CpuStressParams>({
    kind: 'cpuStress',
    validate: validateCpuStress,
    stressArgs: cpuStressArgs,
  });
}
