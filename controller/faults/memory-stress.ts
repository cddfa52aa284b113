/** memoryStress: stress-ng VM workers that allocate and keep touching memory inside the target's cgroup. */
import { checkInteger, checkPattern, isRecord, unknownKeys } from './checks.ts';
import type { ValidationIssue } from './errors.ts';
import type { Fault } from './fault.ts';
import type { MemoryStressParams } from './params.ts';
import { createStressFault } from './stress.ts';

export const MEMORY_SIZE_PATTERN = /^[1-9][0-9]{0,6}(Ki|Mi|Gi)$/;

export function validateMemoryStress(params: unknown): ValidationIssue[] {
  if (!isRecord(params)) return [{ path: '', message: 'must be an object' }];
  return [
    ...unknownKeys(params, ['size', 'workers']),
    ...checkPattern({ value: params.size, path: '/size', pattern: MEMORY_SIZE_PATTERN, required: true }),
    ...checkInteger({ value: params.workers, path: '/workers', min: 1, max: 16, required: false }),
  ];
}

/** Kubernetes-style `256Mi` to stress-ng's `256m` (stress-ng's k/m/g are binary multiples). */
export function toStressNgSize(size: string): string {
  const match = /^([0-9]+)(Ki|Mi|Gi)$/.exec(size);
  if (!match) throw new RangeError(`not a memory size: ${size}`);
  return `${match[1]}${match[2]![0]!.toLowerCase()}`;
}

export function memoryStressArgs(params: MemoryStressParams): string[] {
  const workers = params.workers ?? 1;
  // --vm-bytes is split across the vm workers by stress-ng, so ask for size x workers to get size each.
  const match = /^([0-9]+)(Ki|Mi|Gi)$/.exec(params.size)!;
  const total = `${Number(match[1]) * workers}${match[2]}`;
  return ['--vm', String(workers), '--vm-bytes', toStressNgSize(total), '--vm-keep', '--quiet'];
}

export function createMemoryStressFault(): Fault<MemoryStressParams> {
  return createStressFault<MemoryStressParams>({
    kind: 'memoryStress',
    validate: validateMemoryStress,
    stressArgs: memoryStressArgs,
  });
}
